/**
 * What `create-backupsession` does (stash-spec §3.1): a BackupSession named `<bc>-<unix seconds>`,
 * owned by its BackupConfiguration, with the invoker labels, and retryLeft from retryConfig.
 * Shared by the in-process scheduler, the CronJob's container and `stowage trigger`.
 */
import type { ObjectOf } from '../../api/index.ts';
import { backupSessionName } from '../../core/naming.ts';
import type { Store } from '../store.ts';
import {
  LABEL_COMPONENT,
  LABEL_INVOKER_NAME,
  LABEL_INVOKER_TYPE,
  LABEL_MANAGED_BY,
  LABEL_TARGET_KIND,
  LABEL_TARGET_NAME,
  LABEL_TARGET_NAMESPACE,
  MANAGED_BY_STASH,
  namespaceOf,
} from '../../api/well-known.ts';

export function invokerOffshootLabels(bc: ObjectOf<'BackupConfiguration'>): Record<string, string> {
  return {
    ...(bc.metadata.labels ?? {}),
    [LABEL_COMPONENT]: 'stash-backup',
    [LABEL_MANAGED_BY]: MANAGED_BY_STASH,
  };
}

export function backupSessionLabels(bc: ObjectOf<'BackupConfiguration'>): Record<string, string> {
  const target = bc.spec.target?.ref;
  return {
    ...invokerOffshootLabels(bc),
    [LABEL_INVOKER_TYPE]: 'BackupConfiguration',
    [LABEL_INVOKER_NAME]: bc.metadata.name ?? '',
    ...(target?.kind ? { [LABEL_TARGET_KIND]: target.kind } : {}),
    ...(target?.name ? { [LABEL_TARGET_NAME]: target.name } : {}),
    ...(target?.name ? { [LABEL_TARGET_NAMESPACE]: target.namespace ?? namespaceOf(bc) } : {}),
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
      namespace: namespaceOf(bc),
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
