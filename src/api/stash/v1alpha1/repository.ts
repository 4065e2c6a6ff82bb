import { z } from 'zod';
import { condition, kindObject } from '../../meta.ts';
import { backend, type Provider } from './backend.ts';

export const retentionPolicy = z.object({
  name: z.string().min(1, 'name is required'),
  keepLast: z.number().int().optional(),
  keepHourly: z.number().int().optional(),
  keepDaily: z.number().int().optional(),
  keepWeekly: z.number().int().optional(),
  keepMonthly: z.number().int().optional(),
  keepYearly: z.number().int().optional(),
  keepTags: z.array(z.string()).optional(),
  prune: z.boolean().default(false),
  dryRun: z.boolean().optional(),
});
export type RetentionPolicy = z.infer<typeof retentionPolicy>;

export const usagePolicy = z.object({
  allowedNamespaces: z
    .object({
      from: z.enum(['All', 'Selector', 'Same']).default('Same'),
      selector: z.looseObject({}).optional(),
    })
    .optional(),
});

/**
 * wipeOut (delete the backend data with the Repository): Stash refuses it for local and b2
 * backends, and so does Stowage — the same manifests are accepted on both. Stowage wipes s3 and
 * rest backends (src/backends/wipe-out.ts); for gcs, azure and swift the deletion goes ahead with
 * a Warning event saying the data was left in place (docs/adr/0007-repository-wipeout.md).
 */
export const wipeOutRefused = ['local', 'b2'] as const satisfies readonly Provider[];
export const wipeOutProviders = ['s3', 'rest'] as const satisfies readonly Provider[];
export type WipeOutProvider = (typeof wipeOutProviders)[number];

export const wipeOutMessage = 'wipeOut is not supported for local and b2 backends';
export const wipeOutNotImplementedMessage = `Stowage wipes ${wipeOutProviders.join(' and ')} backends only`;

export const repositorySpec = z
  .object({
    backend,
    wipeOut: z.boolean().optional(),
    usagePolicy: usagePolicy.optional(),
  })
  .refine((s) => !s.wipeOut || !wipeOutRefused.some((p) => s.backend[p] !== undefined), {
    message: wipeOutMessage,
    path: ['wipeOut'],
  });

export const repositoryStatus = z.object({
  observedGeneration: z.number().int().optional(),
  firstBackupTime: z.string().optional(),
  lastBackupTime: z.string().optional(),
  integrity: z.boolean().optional(),
  totalSize: z.string().optional(),
  snapshotCount: z.number().int().optional(),
  snapshotsRemovedOnLastCleanup: z.number().int().optional(),
  references: z
    .array(z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }))
    .optional(),
  conditions: z.array(condition).optional(),
});

export const repository = kindObject('stash.appscode.com/v1alpha1', 'Repository', {
  spec: repositorySpec,
  status: repositoryStatus.optional(),
});
export type Repository = z.infer<typeof repository>;
export type RepositoryStatus = z.infer<typeof repositoryStatus>;
