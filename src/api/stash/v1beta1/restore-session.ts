import { z } from 'zod';
import { condition, goDuration, kindObject, taskRef } from '../../meta.ts';
import {
  driver,
  emptyDirSettings,
  hostPhase,
  interimVolumeTemplate,
  repositoryRef,
  restoreHooks,
  restoreTarget,
  rule,
  runtimeSettings,
  sessionTiming,
  type Rule,
} from './common.ts';

export const restoreSessionPhase = z.enum([
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Unknown',
  'Invalid',
]);
export type RestoreSessionPhase = z.infer<typeof restoreSessionPhase>;

export const hostRestoreStats = z.object({
  hostname: z.string().optional(),
  phase: hostPhase.optional(),
  duration: z.string().optional(),
  error: z.string().optional(),
});
export type HostRestoreStats = z.infer<typeof hostRestoreStats>;

/** Stash's rule checks: one catch-all rule at most; a host matches one rule only. */
function checkRules(
  rules: readonly Rule[] | undefined,
  ctx: z.RefinementCtx,
  path: (string | number)[],
): void {
  if (!rules) return;
  const catchAll = rules.filter((r) => !r.targetHosts?.length).length;
  if (catchAll > 1)
    ctx.addIssue({ code: 'custom', path, message: 'at most one rule may have empty targetHosts' });
  const seen = new Set<string>();
  for (const host of rules.flatMap((r) => r.targetHosts ?? [])) {
    if (seen.has(host))
      ctx.addIssue({ code: 'custom', path, message: `host "${host}" matches more than one rule` });
    seen.add(host);
  }
}

export const restoreSessionSpec = z
  .object({
    task: taskRef.optional(),
    target: restoreTarget.optional(),
    runtimeSettings: runtimeSettings.optional(),
    tempDir: emptyDirSettings.optional(),
    interimVolumeTemplate: interimVolumeTemplate.optional(),
    hooks: restoreHooks.optional(),
    driver: driver.default('Restic'),
    repository: repositoryRef.optional(),
    rules: z.array(rule).optional(),
    timeOut: goDuration.optional(),
  })
  .superRefine((s, ctx) => {
    checkRules(s.target?.rules, ctx, ['target', 'rules']);
    checkRules(s.rules, ctx, ['rules']);
    if (s.driver === 'Restic' && !s.repository)
      ctx.addIssue({
        code: 'custom',
        path: ['repository'],
        message: 'repository is required when driver is Restic',
      });
  });

export const restoreSessionStatus = z.object({
  phase: restoreSessionPhase.optional(),
  totalHosts: z.number().int().optional(),
  ...sessionTiming,
  stats: z.array(hostRestoreStats).optional(),
  conditions: z.array(condition).optional(),
});
export type RestoreSessionStatus = z.infer<typeof restoreSessionStatus>;

export const restoreSession = kindObject('stash.appscode.com/v1beta1', 'RestoreSession', {
  spec: restoreSessionSpec,
  status: restoreSessionStatus.optional(),
});
export type RestoreSession = z.infer<typeof restoreSession>;
