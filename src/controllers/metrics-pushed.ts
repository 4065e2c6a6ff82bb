/**
 * The MetricsPushed condition both session controllers write last: pushing the session metrics is
 * what makes the phase final (stash-spec §1.5), so a failed push is recorded, never thrown.
 */
import type { Condition, ObjectOf } from '../api/index.ts';
import { BackupSessionCondition as C, BackupSessionReason as R, getCondition } from '../core/conditions.ts';
import type { SessionKind } from '../core/final-phases.ts';
import { errorMessage } from '../errors.ts';
import type { ControllerContext } from './context.ts';
import { recordEvent } from './events.ts';
import { setSessionCondition } from './session-status.ts';

async function pushSessionMetrics(enabled: boolean, push: () => Promise<void>): Promise<Condition> {
  if (!enabled) {
    return {
      type: C.MetricsPushed,
      status: 'True',
      reason: R.SuccessfullyPushedMetrics,
      message: 'No Pushgateway is configured; metrics were not pushed.',
    };
  }
  try {
    await push();
    return {
      type: C.MetricsPushed,
      status: 'True',
      reason: R.SuccessfullyPushedMetrics,
      message: 'Successfully pushed metrics.',
    };
  } catch (e) {
    return {
      type: C.MetricsPushed,
      status: 'False',
      reason: R.FailedToPushMetrics,
      message: `Failed to push metrics. Reason: ${errorMessage(e)}`,
    };
  }
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
