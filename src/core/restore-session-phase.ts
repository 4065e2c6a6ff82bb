/**
 * RestoreSession phases (stash-spec §1.6, AM calculateRestoreTargetPhase / calculateRestoreSessionPhase).
 * A v1beta1 RestoreSession has one target whose totalHosts, stats and conditions live at the top of
 * the status.
 */
import type { Condition, RestoreSessionPhase, RestoreSessionStatus } from '../api/index.ts';
import { RestoreSessionCondition as R, isConditionFalse, isConditionTrue } from './conditions.ts';

export type RestoreTargetPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

type RestoreTargetView = Pick<RestoreSessionStatus, 'totalHosts' | 'stats' | 'conditions'>;

/**
 * Hosts count as reported once they have a non-Running phase; until all totalHosts reported the
 * target is Running (spec: "… else Succeeded when all hosts reported").
 */
export function restoreTargetPhase(target: RestoreTargetView | undefined): RestoreTargetPhase {
  const c = target?.conditions;
  if (
    isConditionFalse(c, R.RestoreExecutorEnsured) ||
    isConditionFalse(c, R.PreRestoreHookExecutionSucceeded) ||
    isConditionFalse(c, R.PostRestoreHookExecutionSucceeded)
  ) {
    return 'Failed';
  }
  if (target?.totalHosts === undefined || !c?.length || isConditionFalse(c, R.RestoreTargetFound))
    return 'Pending';
  const reported = (target.stats ?? []).filter((s) => s.phase !== undefined && s.phase !== 'Running');
  if (reported.length < target.totalHosts) return 'Running';
  if (reported.some((s) => s.phase === 'Unknown')) return 'Unknown';
  if (reported.some((s) => s.phase === 'Failed')) return 'Failed';
  return 'Succeeded';
}

/**
 * First match wins. One interpretation: ValidationPassed=False yields Invalid even though the
 * target (never started) is still Pending — otherwise Invalid could not be reached.
 */
export function restoreSessionPhase(status: RestoreTargetView | undefined): RestoreSessionPhase {
  const c: readonly Condition[] | undefined = status?.conditions;
  if (isConditionFalse(c, R.MetricsPushed)) return 'Failed';
  const metricsPushed = isConditionTrue(c, R.MetricsPushed);
  if (metricsPushed && isConditionTrue(c, R.DeadlineExceeded)) return 'Failed';
  const target = restoreTargetPhase(status);
  const invalid = isConditionFalse(c, R.ValidationPassed);
  if (
    !c?.length ||
    isConditionFalse(c, R.RepositoryFound) ||
    isConditionFalse(c, R.BackendSecretFound) ||
    isConditionFalse(c, R.RestoreTargetFound) ||
    (target === 'Pending' && !invalid)
  ) {
    return 'Pending';
  }
  if (target === 'Succeeded' || target === 'Failed' || target === 'Unknown')
    return metricsPushed ? target : 'Running';
  if (invalid) return 'Invalid';
  return 'Running';
}
