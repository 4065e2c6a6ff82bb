/** Sub-types shared by the v1beta1 invokers (stash-spec §1.2). */
import { z } from 'zod';
import { goDuration, openObject, quantity, targetRef } from '../../meta.ts';

export const backupTarget = z.object({
  alias: z.string().optional(),
  ref: targetRef,
  paths: z.array(z.string()).optional(),
  volumeMounts: z.array(openObject()).optional(),
  replicas: z.number().int().optional(),
  snapshotClassName: z.string().optional(),
  exclude: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
});

export const rule = z
  .object({
    targetHosts: z.array(z.string()).optional(),
    sourceHost: z.string().optional(),
    snapshots: z.array(z.string()).optional(),
    paths: z.array(z.string()).optional(),
    exclude: z.array(z.string()).optional(),
    include: z.array(z.string()).optional(),
  })
  .refine((r) => !(r.snapshots?.length && r.paths?.length), {
    message: 'a rule may set snapshots or paths, not both',
  });
export type Rule = z.infer<typeof rule>;

export const restoreTarget = z.object({
  alias: z.string().optional(),
  ref: targetRef,
  volumeMounts: z.array(openObject()).optional(),
  replicas: z.number().int().optional(),
  volumeClaimTemplates: z.array(openObject()).optional(),
  rules: z.array(rule).optional(),
  args: z.array(z.string()).optional(),
});

export const retryConfig = z.object({
  maxRetry: z.number().int().nonnegative().default(1),
  delay: goDuration.optional(),
});
export type RetryConfig = z.infer<typeof retryConfig>;

export const emptyDirSettings = z.object({
  medium: z.string().optional(),
  sizeLimit: quantity.optional(),
  disableCaching: z.boolean().optional(),
});

/** Pod and container settings are Kubernetes types: carried, not modelled. */
export const runtimeSettings = z.object({
  pod: openObject().optional(),
  container: openObject().optional(),
});

export const hookHandler = openObject();

export const backupHooks = z.object({
  preBackup: hookHandler.optional(),
  postBackup: z
    .looseObject({
      executionPolicy: z.enum(['Always', 'OnFailure', 'OnSuccess', 'OnFinalRetryFailure']).default('Always'),
    })
    .optional(),
});

export const restoreHooks = z.object({
  preRestore: hookHandler.optional(),
  postRestore: z
    .looseObject({ executionPolicy: z.enum(['Always', 'OnFailure', 'OnSuccess']).optional() })
    .optional(),
});

/** ofst.PersistentVolumeClaim: metadata (name, labels, …) plus a core PVC spec. */
export const interimVolumeTemplate = z.object({
  metadata: z.looseObject({ name: z.string().optional() }).optional(),
  spec: openObject().optional(),
});

export const repositoryRef = z.object({
  name: z.string().min(1, 'name is required'),
  namespace: z.string().optional(),
});

export const driver = z.enum(['Restic', 'VolumeSnapshotter']);

/** A host's phase in a session's stats (Stash's HostBackupStats and HostRestoreStats). */
export const hostPhase = z.enum(['Succeeded', 'Failed', 'Running', 'Unknown']);

/** What a session's status says of its time: how long it ran, and until when it may run. */
export const sessionTiming = {
  sessionDuration: z.string().optional(),
  sessionDeadline: z.string().optional(),
};
