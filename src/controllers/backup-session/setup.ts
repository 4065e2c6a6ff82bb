/**
 * The BackupSession controller follows its sessions' every change (the Job's steps write their
 * status) and the Jobs that run them; sessions still in flight are re-checked on every resync.
 */
import { isFinalPhase } from '../../core/final-phases.ts';
import { ANY_CHANGE, watchOwned, watchSelf, type Controller } from '../controller.ts';
import { reportOnBackupSession } from '../report-failure.ts';
import { reconcileBackupSession } from './reconcile.ts';

export const backupSessionController: Controller<'BackupSession'> = {
  kind: 'BackupSession',
  reconcile: reconcileBackupSession,
  watches: [watchSelf('BackupSession', ANY_CHANGE), watchOwned('Job', 'BackupSession', ANY_CHANGE)],
  resync: (s) => !isFinalPhase('BackupSession', s.status?.phase),
  reportFailure: reportOnBackupSession,
};
