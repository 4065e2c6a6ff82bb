/**
 * The MetricsPushed condition both session controllers write last: pushing the session metrics is
 * what makes the phase final (stash-spec §1.5), so a failed push is recorded, never thrown.
 */
import type { Condition, ObjectOf } from '../api/index.ts';
import {
  attemptCondition,
  BackupSessionCondition as C,
  BackupSessionReason as R,
  conditionOf,
  getCondition,
} from '../core/conditions.ts';
import type { SessionKind } from '../core/final-phases.ts';
import { errorMessage } from '../errors.ts';
import type { ControllerContext } from './context.ts';
import { recordEvent } from './events.ts';
import { setSessionCondition } from './session-status.ts';

async function pushSessionMetrics(enabled: boolean, push: () => Promise<void>): Promise<Condition> {
  const reasons = { succeeded: R.SuccessfullyPushedMetrics, failed: R.FailedToPushMetrics };
  if (!enabled)
    return conditionOf(
      C.MetricsPushed,
      true,
      reasons.succeeded,
      'No Pushgateway is configured; metrics were not pushed.',
    );
  return attemptCondition(
    C.MetricsPushed,
    reasons,
    async () => {
      await push();
      return 'Successfully pushed metrics.';
    },
    (e) => `Failed to push metrics. Reason: ${errorMessage(e)}`,
  );
}

/**
 * The last act on a session whose outcome is known: push its metrics (MetricsPushed makes the phase
 * final) and record the outcome as an event. Done once: a session that has the condition is left.
 */
export async function completeSession<K extends SessionKind>(
  ctx: ControllerContext,
  session: ObjectOf<K>,
  push: () => Promise<void>,
): Promise<void> {
  if (getCondition(session.status?.conditions, C.MetricsPushed)) return;
  const pushed = await pushSessionMetrics(ctx.metrics.enabled, push);
  const final = await setSessionCondition(ctx, session, pushed);
  const phase = final.status?.phase ?? '';
  await recordEvent(
    ctx,
    session,
    phase === 'Succeeded' ? 'Normal' : 'Warning',
    `${session.kind}${phase}`,
    `${session.kind} ${phase} after ${final.status?.sessionDuration ?? '?'}`,
  );
}
