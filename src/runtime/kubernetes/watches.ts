/**
 * What the operator watches and which work-queue keys a change wakes. Stash's own kinds wake
 * themselves; a Job wakes the session that owns it; an AppBinding (KubeDB creates them) or a
 * Repository wakes the BackupConfigurations of its namespace, whose conditions depend on them.
 * Secrets are not watched (a cluster's Secrets are many and large): invokers waiting for one are
 * requeued by their controller.
 */
import {
  BatchV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { kinds, type KindName } from '../../api/index.ts';
import { LABEL_MANAGED_BY } from './job-manifest.ts';

/** The kinds whose controllers the operator runs. */
export const RECONCILED_KINDS = [
  'BackupConfiguration',
  'BackupSession',
  'RestoreSession',
  'Repository',
] as const;
export type ReconciledKind = (typeof RECONCILED_KINDS)[number];

export interface WatchSpec {
  /** Watch path, e.g. /apis/stash.appscode.com/v1beta1/backupsessions. */
  path: string;
  list: () => Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }>;
  labelSelector?: string;
  /** Keys to enqueue when an object of this watch changes. */
  keysFor: (obj: KubernetesObject, cache: KeyLookup) => string[];
}

/** Lets a watch enqueue objects of another kind from the operator's caches (e.g. all BCs of a namespace). */
export type KeyLookup = (kind: ReconciledKind, namespace: string) => string[];

export const keyOf = (kind: string, namespace: string | undefined, name: string | undefined): string =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

function customWatch(kubeConfig: KubeConfig, kind: KindName, keysFor: WatchSpec['keysFor']): WatchSpec {
  const info = kinds[kind];
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    path: `/apis/${info.group}/${info.version}/${info.plural}`,
    list: async () =>
      (await custom.listClusterCustomObject({
        group: info.group,
        version: info.version,
        plural: info.plural,
      })) as { items: KubernetesObject[]; metadata?: { resourceVersion?: string } },
    keysFor,
  };
}

export function operatorWatches(kubeConfig: KubeConfig): WatchSpec[] {
  const self =
    (kind: ReconciledKind) =>
    (o: KubernetesObject): string[] => [keyOf(kind, o.metadata?.namespace, o.metadata?.name)];
  const invokersOfNamespace = (o: KubernetesObject, lookup: KeyLookup): string[] =>
    lookup('BackupConfiguration', o.metadata?.namespace ?? '');
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const managed = `${LABEL_MANAGED_BY}=stash.appscode.com`;
  return [
    ...RECONCILED_KINDS.map((kind) =>
      customWatch(
        kubeConfig,
        kind,
        kind === 'Repository'
          ? (o, lookup) => [...self(kind)(o), ...invokersOfNamespace(o, lookup)]
          : self(kind),
      ),
    ),
    customWatch(kubeConfig, 'AppBinding', invokersOfNamespace),
    {
      path: '/apis/batch/v1/jobs',
      labelSelector: managed,
      list: async () =>
        (await batch.listJobForAllNamespaces({ labelSelector: managed })) as {
          items: KubernetesObject[];
        },
      keysFor: (o) =>
        (o.metadata?.ownerReferences ?? [])
          .filter((r) => r.kind === 'BackupSession' || r.kind === 'RestoreSession')
          .map((r) => keyOf(r.kind, o.metadata?.namespace, r.name)),
    },
  ];
}
