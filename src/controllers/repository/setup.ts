/**
 * The Repository controller wakes for its own changes (not its status, which the backup jobs
 * write) and for an invoker that names it appearing, going or changing (its status.references
 * lists them). Repositories are re-checked on every resync.
 */
import { NOT_STATUS, STRUCTURAL, repositoryNamedBy, type Controller, type Watch } from '../controller.ts';
import { watchSelf } from '../controller.ts';
import { reportOnConditions } from '../report-failure.ts';
import { reconcileRepository } from './reconcile.ts';

/** An invoker wakes the Repository it names. */
const invokerOf = (kind: 'BackupConfiguration' | 'RestoreSession'): Watch => ({
  kind,
  on: STRUCTURAL,
  wakes: repositoryNamedBy,
});

export const repositoryController: Controller<'Repository'> = {
  kind: 'Repository',
  reconcile: reconcileRepository,
  watches: [
    watchSelf('Repository', NOT_STATUS),
    invokerOf('BackupConfiguration'),
    invokerOf('RestoreSession'),
  ],
  resync: () => true,
  reportFailure: reportOnConditions('Repository'),
};
