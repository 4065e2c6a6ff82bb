/**
 * The RestoreSession controller follows its sessions' every change (the Job's steps write their
 * status) and the Jobs that run them; sessions still in flight are re-checked on every resync.
 */
import { isFinalPhase } from '../../core/final-phases.ts';
import { ANY_CHANGE, repositoryNamedBy, watchOwned, watchSelf, type Controller } from '../controller.ts';
import { reportOnRestoreSession } from '../report-failure.ts';
import { reconcileRestoreSession } from './reconcile.ts';

export const restoreSessionController: Controller<'RestoreSession'> = {
  kind: 'RestoreSession',
  reconcile: reconcileRestoreSession,
  watches: [watchSelf('RestoreSession', ANY_CHANGE), watchOwned('Job', 'RestoreSession', ANY_CHANGE)],
  references: repositoryNamedBy,
  resync: (s) => !isFinalPhase('RestoreSession', s.status?.phase),
  reportFailure: reportOnRestoreSession,
};
