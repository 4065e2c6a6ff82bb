import { z } from 'zod';
import { condition, objectMeta } from '../../meta.ts';
import { backend } from './backend.ts';

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
export type UsagePolicy = z.infer<typeof usagePolicy>;

export const repositorySpec = z
  .object({
    backend,
    wipeOut: z.boolean().optional(),
    usagePolicy: usagePolicy.optional(),
  })
  .refine((s) => !(s.wipeOut && (s.backend.local || s.backend.b2)), {
    message: 'wipeOut is not supported for local and b2 backends',
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

export const repository = z.object({
  apiVersion: z.literal('stash.appscode.com/v1alpha1'),
  kind: z.literal('Repository'),
  metadata: objectMeta,
  spec: repositorySpec,
  status: repositoryStatus.optional(),
});
export type Repository = z.infer<typeof repository>;
export type RepositoryStatus = z.infer<typeof repositoryStatus>;
