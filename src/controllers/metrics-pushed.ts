/**
 * The MetricsPushed condition both session controllers write last: pushing the session metrics is
 * what makes the phase final (stash-spec §1.5), so a failed push is recorded, never thrown.
 */
import type { Condition } from '../api/index.ts';
import { BackupSessionCondition as C, BackupSessionReason as R } from '../core/conditions.ts';
import { errorMessage } from '../errors.ts';

export async function pushSessionMetrics(enabled: boolean, push: () => Promise<void>): Promise<Condition> {
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
