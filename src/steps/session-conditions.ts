/**
 * The pre- and post-backup actions of a BackupSession (stash-spec §3.10) each report as one
 * condition of the session: True with the action's success reason, False with its failure reason
 * and Stash's "<what failed>. Reason: <error>" message. An action that already has its condition
 * ran in an earlier attempt and is not run again.
 */
import { updateSessionStatus } from '../controllers/session-status.ts';
import type { Condition, ObjectOf } from '../api/index.ts';
import { namespaceOf, nameOf } from '../api/well-known.ts';
import { getCondition, setCondition } from '../core/conditions.ts';
import { errorMessage } from '../errors.ts';
import type { StepContext } from './step-context.ts';

/** A condition without its type: what an action says about how it went. */
export type ActionReport = Pick<Condition, 'status' | 'reason' | 'message'>;

/** An action's result, and the report that becomes its condition. */
export interface ActionOutcome<T> {
  value: T;
  report: ActionReport;
}

export const succeeded = (reason: string, message: string): ActionReport => ({
  status: 'True',
  reason,
  message,
});

export const failedBecause = (reason: string, what: string, e: unknown): ActionReport => ({
  status: 'False',
  reason,
  message: `${what}. Reason: ${errorMessage(e)}`,
});

/** Upserts one condition of a BackupSession (its phase is recomputed from it). */
export async function recordSessionCondition(
  ctx: StepContext,
  session: { namespace: string; name: string },
  condition: Omit<Condition, 'lastTransitionTime'>,
): Promise<void> {
  await updateSessionStatus(
    ctx.store,
    'BackupSession',
    session.namespace,
    session.name,
    ctx.now,
    (status) => ({
      ...status,
      conditions: setCondition(status.conditions ?? [], condition, ctx.now()),
    }),
  );
}

/**
 * Runs `action` unless its condition `type` is already on the session (then `skipped` is the
 * value), and records the outcome as that condition.
 */
export async function runOnce<T>(
  ctx: StepContext,
  session: ObjectOf<'BackupSession'>,
  type: string,
  skipped: T,
  action: () => Promise<ActionOutcome<T>>,
): Promise<T> {
  if (getCondition(session.status?.conditions, type) !== undefined) return skipped;
  const { value, report } = await action();
  const ref = { namespace: namespaceOf(session), name: nameOf(session) };
  await recordSessionCondition(ctx, ref, { type, ...report });
  return value;
}
