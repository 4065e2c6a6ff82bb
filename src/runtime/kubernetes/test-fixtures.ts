/**
 * What the unit tests of the Kubernetes runtime share: the operator image, a BackupConfiguration of
 * a database behind an AppBinding, and the owner references of what an object controls. Tests only.
 */
import { VERSION } from '../../version.ts';
import type { ObjectMeta, ObjectOf } from '../../api/index.ts';

export const IMAGE = `ghcr.io/stowage/stowage:v${VERSION}`;

type BackupConfiguration = ObjectOf<'BackupConfiguration'>;

/** BackupConfiguration demo/pg of AppBinding db into Repository repo, daily at 3; `metadata` and `spec` add to it. */
export function backupConfiguration(
  metadata: Partial<ObjectMeta> = {},
  spec: Partial<BackupConfiguration['spec']> = {},
): BackupConfiguration {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name: 'pg', namespace: 'demo', uid: 'uid-1', ...metadata },
    spec: {
      schedule: '0 3 * * *',
      driver: 'Restic',
      repository: { name: 'repo' },
      target: { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'db' } },
      retentionPolicy: { name: 'keep', keepLast: 1, prune: false },
      backupHistoryLimit: 1,
      ...spec,
    },
  };
}

/** The ownerReferences of an object that a Stash `kind` controls: the garbage collector removes it with its owner. */
export const controlledBy = (kind: string, name: string, uid: string) => [
  { apiVersion: 'stash.appscode.com/v1beta1', kind, name, uid, controller: true, blockOwnerDeletion: true },
];
