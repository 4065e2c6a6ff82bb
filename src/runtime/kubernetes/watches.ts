/**
 * What the operator lists and watches: one informer per kind the controllers' declarations watch
 * (each controller folder's setup.ts, read through src/controllers/wake-up.ts), and how an informer event
 * is classified (added, deleted, spec, metadata, status) so that a status write — most of them the
 * operator's own — wakes only the controllers that read status.
 */
import { createHash } from 'node:crypto';
import {
  BatchV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { kinds, type KindName } from '../../api/index.ts';
import { LABEL_INVOKER_TYPE, LABEL_MANAGED_BY, MANAGED_BY_STASH } from '../../api/well-known.ts';
import type { Change, WatchedKind } from '../../controllers/controller.ts';

export type { Change, WatchedKind };

export interface WatchSpec {
  kind: WatchedKind;
  /** Watch path, e.g. /apis/stash.appscode.com/v1beta1/backupsessions. */
  path: string;
  list: () => Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }>;
  labelSelector?: string;
}

/** What classifyChange compares between two versions of an object. */
export interface Fingerprint {
  generation: number | undefined;
  deleting: boolean;
  /** Hash of labels, annotations, finalizers and ownerReferences. */
  meta: string;
}

export function fingerprint(o: KubernetesObject): Fingerprint {
  const m = o.metadata ?? {};
  const meta = createHash('sha1')
    .update(
      JSON.stringify([
        m.labels ?? null,
        m.annotations ?? null,
        m.finalizers ?? null,
        m.ownerReferences ?? null,
      ]),
    )
    .digest('base64');
  return { generation: m.generation, deleting: Boolean(m.deletionTimestamp), meta };
}

/** The change from `before` to `after` of an update event (unknown `before`: treated as a spec change). */
export function classifyChange(before: Fingerprint | undefined, after: Fingerprint): Change {
  if (!before) return 'spec';
  if (before.generation !== after.generation || before.deleting !== after.deleting) return 'spec';
  return before.meta === after.meta ? 'status' : 'metadata';
}

type ListResult = { items: KubernetesObject[]; metadata?: { resourceVersion?: string } };

function customWatch(kubeConfig: KubeConfig, kind: KindName): WatchSpec {
  const info = kinds[kind];
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const plural = { group: info.group, version: info.version, plural: info.plural };
  return {
    kind,
    path: `/apis/${info.group}/${info.version}/${info.plural}`,
    list: async () => (await custom.listClusterCustomObject(plural)) as ListResult,
  };
}

/**
 * One watch per kind. Jobs: only those the operator made; CronJobs: only the triggers. Secrets
 * are never asked for (a cluster's Secrets are many and large), and no controller declares them.
 */
export function operatorWatches(kubeConfig: KubeConfig, watched: Iterable<WatchedKind>): WatchSpec[] {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY_STASH}`;
  const triggers = `${LABEL_INVOKER_TYPE}=BackupConfiguration`;
  return [...watched].map((kind): WatchSpec => {
    if (kind === 'Job')
      return {
        kind,
        path: '/apis/batch/v1/jobs',
        labelSelector: managed,
        list: async () => (await batch.listJobForAllNamespaces({ labelSelector: managed })) as ListResult,
      };
    if (kind === 'CronJob')
      return {
        kind,
        path: '/apis/batch/v1/cronjobs',
        labelSelector: triggers,
        list: async () =>
          (await batch.listCronJobForAllNamespaces({ labelSelector: triggers })) as ListResult,
      };
    return customWatch(kubeConfig, kind);
  });
}
