/**
 * BackupSession (stash-spec §3.2): skip when the invoker is not ready or another session runs,
 * start one Job for the target, watch it, and when the target has reported (or the Job ended
 * without reporting, or the deadline passed) clean up history and push the session metrics —
 * only then does the phase become final. A failed session is retried as a new one when its
 * invoker asks for it. Level-triggered: every step is re-derived from the status.
 */
import type { ObjectOf } from '../../api/index.ts';
import { nameOf, namespaceOf } from '../../api/well-known.ts';
import { BackupSessionCondition as SC, isConditionTrue } from '../../core/conditions.ts';
import { isFinalPhase } from '../../core/final-phases.ts';
import { targetRefEquals, targetRefOf } from '../../core/target-ref.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { recordEvent } from '../events.ts';
import { cleanupHistory, finalize } from './finalize.ts';
import { deadlinePassed, stopAtDeadline } from '../session-deadline.ts';
import { skipIfNeeded, startJob, watchJob } from './job.ts';
import { retryIfDue } from './retry.ts';

const MISSING_INVOKER_REQUEUE_MS = 10_000;

type Session = ObjectOf<'BackupSession'>;
type Bc = ObjectOf<'BackupConfiguration'>;

/** What the session needs next, from its status alone. */
export type BackupSessionStep = 'finalize' | 'stop-at-deadline' | 'start' | 'watch';

export function nextStep(session: Session, bc: Bc, now: Date): BackupSessionStep {
  const status = session.status ?? {};
  const target = status.targets?.find((t) => targetRefEquals(t.ref, targetRefOf(bc)));
  if (isConditionTrue(status.conditions, SC.DeadlineExceeded)) return 'finalize';
  if (target?.phase === 'Succeeded' || target?.phase === 'Failed') return 'finalize';
  if (deadlinePassed(session, now)) return 'stop-at-deadline';
  return target ? 'watch' : 'start';
}

export async function reconcileBackupSession(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const session = await ctx.store.get('BackupSession', namespace, name);
  if (!session) return done;
  const bc = await ctx.store.get('BackupConfiguration', namespace, session.spec.invoker.name);
  if (isFinalPhase('BackupSession', session.status?.phase)) return bc ? retryIfDue(ctx, session, bc) : done;
  if (!bc) return waitForInvoker(ctx, session);
  switch (nextStep(session, bc, ctx.now())) {
    case 'finalize':
      return finalize(ctx, session, bc);
    case 'stop-at-deadline':
      return stopAtDeadline(ctx, session, bc.spec.timeOut);
    case 'start':
      if (await skipIfNeeded(ctx, session, bc)) {
        await cleanupHistory(ctx, session, bc, 'skipped');
        return done;
      }
      return startJob(ctx, session, bc);
    case 'watch':
      return watchJob(ctx, session, bc);
  }
}

async function waitForInvoker(ctx: ControllerContext, session: Session): Promise<ReconcileResult> {
  const invoker = `${namespaceOf(session)}/${session.spec.invoker.name}`;
  ctx.logger.warn(
    { backupSession: `${namespaceOf(session)}/${nameOf(session)}` },
    'invoker not found; waiting for it',
  );
  await recordEvent(ctx, session, 'Warning', 'InvokerNotFound', `BackupConfiguration ${invoker} not found`);
  return requeueAfter(MISSING_INVOKER_REQUEUE_MS);
}
