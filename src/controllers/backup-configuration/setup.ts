/**
 * The BackupConfiguration controller wakes for its own changes (not its status: it never reads
 * it), for the Repository and AppBinding it names appearing, going or changing, and for its trigger
 * CronJob being edited or deleted by someone. Secrets are not watched (a cluster's Secrets are
 * many and large): a configuration waiting for one looks again on its own.
 */
import {
  NOT_STATUS,
  STRUCTURAL,
  keyOf,
  repositoryNamedBy,
  watchOwned,
  watchReferenced,
  watchSelf,
  type Controller,
  type WatchedObject,
} from '../controller.ts';
import { reportOnConditions } from '../report-failure.ts';
import { reconcileBackupConfiguration } from './reconcile.ts';

/** The AppBinding a configuration targets (spec.target.ref). */
function appBindingNamedBy(o: WatchedObject): string[] {
  const ref = (
    o.spec as { target?: { ref?: { kind?: string; name?: string; namespace?: string } } } | undefined
  )?.target?.ref;
  return ref?.kind === 'AppBinding' && ref.name
    ? [keyOf('AppBinding', ref.namespace || o.metadata?.namespace, ref.name)]
    : [];
}

export const backupConfigurationController: Controller<'BackupConfiguration'> = {
  kind: 'BackupConfiguration',
  reconcile: reconcileBackupConfiguration,
  watches: [
    watchSelf('BackupConfiguration', NOT_STATUS),
    watchReferenced('Repository', 'BackupConfiguration', STRUCTURAL),
    watchReferenced('AppBinding', 'BackupConfiguration', STRUCTURAL),
    watchOwned('CronJob', 'BackupConfiguration', NOT_STATUS),
  ],
  references: (o) => [...repositoryNamedBy(o), ...appBindingNamedBy(o)],
  // Its conditions depend on objects that are not all watched (Secrets): re-checked on every resync.
  resync: () => true,
  reportFailure: reportOnConditions('BackupConfiguration'),
};
