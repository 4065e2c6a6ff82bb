/**
 * The objects the Store tests write: small but valid for both the api schemas (LocalStore) and the
 * CRDs (the API server), named by the namespace a test owns.
 */
import type { ObjectOf } from '../../../src/api/index.ts';
import type { ObjectMeta } from '../../../src/api/meta.ts';
import { LABEL_INVOKER_NAME } from '../../../src/api/well-known.ts';

type Meta = Partial<ObjectMeta>;

export function secret(namespace: string, name: string, meta: Meta = {}): ObjectOf<'Secret'> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...meta },
    stringData: { RESTIC_PASSWORD: 'pw' },
  } as ObjectOf<'Secret'>;
}

export function backupConfiguration(
  namespace: string,
  name: string,
  meta: Meta = {},
): ObjectOf<'BackupConfiguration'> {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name, namespace, ...meta },
    spec: {
      schedule: '0 0 1 1 *',
      repository: { name: 'repo' },
      target: { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'db' } },
      retentionPolicy: { name: 'keep', keepLast: 1, prune: false },
    },
  } as ObjectOf<'BackupConfiguration'>;
}

/** A BackupSession of invoker `invoker` (its invoker-name label set, as the controllers set it). */
export function backupSession(
  namespace: string,
  name: string,
  meta: Meta = {},
  invoker = 'pg',
): ObjectOf<'BackupSession'> {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupSession',
    metadata: { name, namespace, labels: { [LABEL_INVOKER_NAME]: invoker }, ...meta },
    spec: { invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: invoker } },
  } as ObjectOf<'BackupSession'>;
}

/** A cluster-scoped object. */
export function task(name: string, meta: Meta = {}): ObjectOf<'Task'> {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'Task',
    metadata: { name, ...meta },
    spec: { steps: [{ name: 'update-status' }] },
  } as ObjectOf<'Task'>;
}

/** metadata.ownerReferences naming `owner` as the controller (what the garbage collector follows). */
export function ownedBy(owner: { apiVersion: string; kind: string; metadata: ObjectMeta }): Meta {
  return {
    ownerReferences: [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name ?? '',
        uid: owner.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

/** The names of a list, in its order. */
export const namesOf = (list: ReadonlyArray<{ metadata: { name?: string } }>): Array<string | undefined> =>
  list.map((o) => o.metadata.name);
