/**
 * What `create-backupsession` does (stash-spec §3.1): a BackupSession named `<bc>-<unix seconds>`,
 * owned by its BackupConfiguration, with the invoker labels, and retryLeft from retryConfig.
 * Shared by the in-process scheduler, the CronJob's container and `stowage trigger`.
 */
import type { ObjectOf } from '../../api/index.ts';
import { backupSessionName } from '../../core/naming.ts';
import type { Store } from '../store.ts';

export const LABEL_INVOKER_TYPE = 'stash.appscode.com/invoker-type';
export const LABEL_INVOKER_NAME = 'stash.appscode.com/invoker-name';

export function invokerOffshootLabels(bc: ObjectOf<'BackupConfiguration'>): Record<string, string> {
  return {
    ...(bc.metadata.labels ?? {}),
    'app.kubernetes.io/component': 'stash-backup',
    'app.kubernetes.io/managed-by': 'stash.appscode.com',
  };
}

export function backupSessionLabels(bc: ObjectOf<'BackupConfiguration'>): Record<string, string> {
  const target = bc.spec.target?.ref;
  return {
    ...invokerOffshootLabels(bc),
    [LABEL_INVOKER_TYPE]: 'BackupConfiguration',
    [LABEL_INVOKER_NAME]: bc.metadata.name ?? '',
    ...(target?.kind ? { 'stash.appscode.com/target-kind': target.kind } : {}),
    ...(target?.name ? { 'stash.appscode.com/target-name': target.name } : {}),
    ...(target?.name
      ? { 'stash.appscode.com/target-namespace': target.namespace ?? bc.metadata.namespace ?? 'default' }
      : {}),
  };
}

export interface NewSessionOptions {
  now: Date;
  /** `generateName` instead of the timestamp name (kubectl stash trigger uses `<bc>-`). */
  generateName?: boolean;
  retryLeft?: number;
}

export function newBackupSession(
  bc: ObjectOf<'BackupConfiguration'>,
  o: NewSessionOptions,
): ObjectOf<'BackupSession'> {
  const bcName = bc.metadata.name ?? '';
  const name = backupSessionName(bcName, Math.floor(o.now.getTime() / 1000));
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupSession',
    metadata: {
      ...(o.generateName ? { generateName: `${bcName}-` } : { name }),
      namespace: bc.metadata.namespace ?? 'default',
      labels: backupSessionLabels(bc),
      ownerReferences: [
        {
          apiVersion: 'stash.appscode.com/v1beta1',
          kind: 'BackupConfiguration',
          name: bcName,
          uid: bc.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: bcName },
      retryLeft: o.retryLeft ?? bc.spec.retryConfig?.maxRetry ?? 0,
    },
  };
}

export async function createBackupSession(
  store: Store,
  bc: ObjectOf<'BackupConfiguration'>,
  o: NewSessionOptions,
): Promise<ObjectOf<'BackupSession'>> {
  return store.create<'BackupSession'>(newBackupSession(bc, o));
}
