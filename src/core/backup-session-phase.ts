/**
 * BackupSession target and session phases (stash-spec §1.5, AM calculateBackupTargetPhase /
 * calculateBackupSessionPhase). Evaluated on every status write; first matching rule wins.
 */
import type {
  BackupSessionPhase,
  BackupSessionStatus,
  BackupTargetStatus,
  TargetPhase,
} from '../api/index.ts';
import {
  BackupSessionCondition as S,
  BackupTargetCondition as T,
  isConditionFalse,
  isConditionTrue,
} from './conditions.ts';

export function backupTargetPhase(
  target: Pick<BackupTargetStatus, 'totalHosts' | 'stats' | 'conditions'>,
): TargetPhase {
  const c = target.conditions;
  if (
    isConditionFalse(c, T.BackupExecutorEnsured) ||
    isConditionFalse(c, T.PreBackupHookExecutionSucceeded) ||
    isConditionTrue(c, T.BackupDisrupted) ||
    isConditionFalse(c, T.PostBackupHookExecutionSucceeded)
  ) {
    return 'Failed';
  }
  if (target.totalHosts === undefined) return 'Pending';
  const stats = target.stats ?? [];
  const failed = stats.filter((s) => s.phase === 'Failed').length;
  const succeeded = stats.filter((s) => s.phase === 'Succeeded').length;
  if (failed + succeeded === target.totalHosts) return failed > 0 ? 'Failed' : 'Succeeded';
  return 'Running';
}

const completed = (p: TargetPhase | undefined) => p === 'Succeeded' || p === 'Failed';

/**
 * `expectedTargets` (the invoker's target count), when given, keeps a session Running until every
 * target has a status entry, as the operator's completion check does.
 */
export function backupSessionPhase(
  status: Pick<BackupSessionStatus, 'conditions' | 'targets'> | undefined,
  expectedTargets?: number,
): BackupSessionPhase {
  const c = status?.conditions;
  const targets = status?.targets ?? [];
  if (isConditionFalse(c, S.MetricsPushed)) return 'Failed';
  if (isConditionTrue(c, S.BackupSkipped)) return 'Skipped';
  const metricsPushed = isConditionTrue(c, S.MetricsPushed);
  if (
    metricsPushed &&
    (isConditionTrue(c, S.DeadlineExceeded) ||
      isConditionFalse(c, S.BackupHistoryCleaned) ||
      isConditionFalse(c, S.GlobalPreBackupHookSucceeded) ||
      isConditionFalse(c, S.GlobalPostBackupHookSucceeded))
  ) {
    return 'Failed';
  }
  if (targets.every((t) => t.phase === undefined || t.phase === 'Pending')) return 'Pending';
  const allCompleted =
    targets.every((t) => completed(t.phase)) &&
    (expectedTargets === undefined || targets.length >= expectedTargets);
  if (allCompleted && metricsPushed) {
    const failed =
      targets.some((t) => t.phase === 'Failed') ||
      isConditionFalse(c, S.RetentionPolicyApplied) ||
      isConditionFalse(c, S.RepositoryMetricsPushed) ||
      isConditionFalse(c, S.RepositoryIntegrityVerified);
    return failed ? 'Failed' : 'Succeeded';
  }
  return 'Running';
}

/** The operator's "session completed" check (§3.2 step 2) used before running post-session work. */
export function backupSessionCompleted(
  status: Pick<BackupSessionStatus, 'conditions' | 'targets'> | undefined,
  expectedTargets: number,
): boolean {
  const c = status?.conditions;
  if (isConditionFalse(c, S.GlobalPreBackupHookSucceeded) || isConditionTrue(c, S.DeadlineExceeded))
    return true;
  const targets = status?.targets ?? [];
  return targets.length >= expectedTargets && targets.every((t) => completed(t.phase));
}
