/**
 * RestoreSession (stash-spec §3.11): check Repository, Secret, usage policy and target, copy the
 * KubeDB labels, start the restore Job, and once the host has reported (or the Job ended without a
 * report, or the deadline passed) push the metrics so the phase becomes final.
 */
import type { ObjectOf } from '../../api/index.ts';
import { getCondition, isConditionTrue, RestoreSessionCondition as C } from '../../core/conditions.ts';
import { isFinalPhase } from '../../core/final-phases.ts';
import { done, type ControllerContext, type ReconcileResult } from '../context.ts';
import { completeSession } from '../metrics-pushed.ts';
import { deadlinePassed, stopAtDeadline } from '../session-deadline.ts';
import { appBindingOf, startRestore, watchRestoreJob } from './job.ts';

type Rs = ObjectOf<'RestoreSession'>;

/** What the session needs next, from its status alone. */
export type RestoreSessionStep = 'finalize' | 'stop-at-deadline' | 'start' | 'watch';

export function nextStep(rs: Rs, now: Date): RestoreSessionStep {
  const status = rs.status ?? {};
  const hostsReported = (status.stats?.length ?? 0) >= (status.totalHosts ?? Infinity);
  if (hostsReported || isConditionTrue(status.conditions, C.DeadlineExceeded)) return 'finalize';
  if (deadlinePassed(rs, now)) return 'stop-at-deadline';
  // Preconditions are re-checked until the Job exists.
  return getCondition(status.conditions, C.RestoreExecutorEnsured) ? 'watch' : 'start';
}

export async function reconcileRestoreSession(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const rs = await ctx.store.get('RestoreSession', namespace, name);
  if (!rs || isFinalPhase('RestoreSession', rs.status?.phase)) return done;
  switch (nextStep(rs, ctx.now())) {
    case 'finalize':
      return finalize(ctx, rs);
    case 'stop-at-deadline':
      return stopAtDeadline(ctx, rs, rs.spec.timeOut);
    case 'start': {
      const result = await startRestore(ctx, rs);
      return result === 'failed'
        ? finalize(ctx, (await ctx.store.get('RestoreSession', namespace, name)) ?? rs)
        : result;
    }
    case 'watch':
      return watchRestoreJob(ctx, rs);
  }
}

async function finalize(ctx: ControllerContext, rs: Rs): Promise<ReconcileResult> {
  const appBinding = await appBindingOf(ctx, rs);
  await completeSession(ctx, rs, () => ctx.metrics.restoreSessionCompleted({ session: rs, appBinding }));
  return done;
}
