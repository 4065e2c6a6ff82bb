/** BackupConfiguration phase from its conditions (stash-spec §1.4, AM CalculateBackupInvokerPhase). */
import type { BackupInvokerPhase, Condition } from '../api/index.ts';
import {
  BackupInvokerCondition as C,
  isConditionFalse,
  isConditionTrue,
  isConditionUnknown,
  ReconcileCondition,
} from './conditions.ts';

export type Driver = 'Restic' | 'VolumeSnapshotter';

export function backupInvokerPhase(
  conditions: readonly Condition[] | undefined,
  driver: Driver = 'Restic',
): BackupInvokerPhase {
  const notTrue = (t: string) => isConditionFalse(conditions, t) || isConditionUnknown(conditions, t);
  if (notTrue(C.RepositoryFound) || notTrue(C.BackendSecretFound)) return 'NotReady';
  if (isConditionFalse(conditions, ReconcileCondition.Reconciled)) return 'NotReady';
  if (isConditionFalse(conditions, C.ValidationPassed)) return 'Invalid';
  const repoReady =
    driver !== 'Restic' ||
    (isConditionTrue(conditions, C.RepositoryFound) && isConditionTrue(conditions, C.BackendSecretFound));
  if (
    isConditionTrue(conditions, C.ValidationPassed) &&
    isConditionTrue(conditions, C.CronJobCreated) &&
    repoReady
  )
    return 'Ready';
  return 'NotReady';
}
