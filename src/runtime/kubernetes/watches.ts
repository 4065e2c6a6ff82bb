/**
 * What the operator watches and which work-queue keys a change wakes. Stash's own kinds wake
 * themselves; a Job wakes the session that owns it; a trigger CronJob wakes its
 * BackupConfiguration (someone edited or deleted it); a Repository or an AppBinding wakes the
 * BackupConfigurations that name it, and an invoker wakes the Repository it names (whose
 * status.references lists it).
 *
 * Each event is classified (added, deleted, spec, metadata, status) so that a status write — most
 * of them the operator's own — does not wake anything that does not read status: a
 * BackupConfiguration's conditions depend on its Repository's existence and spec, never on its
 * status. Secrets are not watched (a cluster's Secrets are many and large): invokers waiting for
 * one are requeued by their controller.
 */
import { createHash } from 'node:crypto';
import {
  BatchV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { kinds } from '../../api/index.ts';
import { LABEL_INVOKER_TYPE, LABEL_MANAGED_BY, MANAGED_BY_STASH } from '../../api/well-known.ts';

/** The kinds whose controllers the operator runs. */
export const RECONCILED_KINDS = [
  'BackupConfiguration',
  'BackupSession',
  'RestoreSession',
  'Repository',
] as const;
export type ReconciledKind = (typeof RECONCILED_KINDS)[number];

/** Every kind the operator keeps an informer (and so a cache) of. */
export type WatchedKind = ReconciledKind | 'AppBinding' | 'Job' | 'CronJob';

/**
 * What an event changed. `spec`: metadata.generation moved (or deletion began); `metadata`:
 * labels, annotations, finalizers or owners; `status`: nothing else (status, resourceVersion,
 * managedFields). Added and deleted are what they say.
 */
export type Change = 'added' | 'deleted' | 'spec' | 'metadata' | 'status';

export interface WatchContext {
  change: Change;
}

export interface WatchSpec {
  kind: WatchedKind;
  /** Watch path, e.g. /apis/stash.appscode.com/v1beta1/backupsessions. */
  path: string;
  list: () => Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }>;
  labelSelector?: string;
  /** Keys to enqueue when an object of this watch changes. */
  keysFor: (obj: KubernetesObject, ctx: WatchContext) => string[];
  /** Sees every event first (before keysFor), to keep an index. */
  observe?: (obj: KubernetesObject, deleted: boolean) => void;
}

export const keyOf = (kind: string, namespace: string | undefined, name: string | undefined): string =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

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

const STRUCTURAL: ReadonlySet<Change> = new Set(['added', 'deleted', 'spec']);
const NOT_STATUS: ReadonlySet<Change> = new Set(['added', 'deleted', 'spec', 'metadata']);

interface Ref {
  name?: string;
  namespace?: string;
}

/**
 * Which BackupConfigurations name which Repository (spec.repository) and which AppBinding
 * (spec.target.ref), kept from the BackupConfiguration watch: a Repository's event finds the
 * configurations to wake without scanning all of them.
 */
export class InvokerIndex {
  /** BackupConfiguration key → the Repository and AppBinding keys it names. */
  readonly #names = new Map<string, string[]>();
  /** Repository or AppBinding key → the BackupConfiguration keys naming it. */
  readonly #namedBy = new Map<string, Set<string>>();

  observe(bc: KubernetesObject, deleted: boolean): void {
    const bcNs = bc.metadata?.namespace ?? '';
    const key = keyOf('BackupConfiguration', bcNs, bc.metadata?.name);
    const spec = (bc as { spec?: { repository?: Ref; target?: { ref?: Ref & { kind?: string } } } }).spec;
    const next: string[] = [];
    if (!deleted) {
      if (spec?.repository?.name)
        next.push(keyOf('Repository', spec.repository.namespace || bcNs, spec.repository.name));
      const target = spec?.target?.ref;
      if (target?.kind === 'AppBinding' && target.name)
        next.push(keyOf('AppBinding', target.namespace || bcNs, target.name));
    }
    for (const old of this.#names.get(key) ?? []) {
      const set = this.#namedBy.get(old);
      set?.delete(key);
      if (set?.size === 0) this.#namedBy.delete(old);
    }
    if (next.length === 0) {
      this.#names.delete(key);
      return;
    }
    this.#names.set(key, next);
    for (const ref of next) {
      let set = this.#namedBy.get(ref);
      if (!set) this.#namedBy.set(ref, (set = new Set()));
      set.add(key);
    }
  }

  /** Keys of the BackupConfigurations naming `o` (a Repository or an AppBinding). */
  invokersOf(kind: 'Repository' | 'AppBinding', o: KubernetesObject): string[] {
    return [...(this.#namedBy.get(keyOf(kind, o.metadata?.namespace, o.metadata?.name)) ?? [])];
  }
}

/** The Repository an invoker (BackupConfiguration, RestoreSession) names, for its status.references. */
function repositoryOf(o: KubernetesObject): string[] {
  const ref = (o as { spec?: { repository?: Ref } }).spec?.repository;
  return ref?.name ? [keyOf('Repository', ref.namespace || o.metadata?.namespace, ref.name)] : [];
}

const self =
  (kind: ReconciledKind) =>
  (o: KubernetesObject): string[] => [keyOf(kind, o.metadata?.namespace, o.metadata?.name)];

function customWatch(
  kubeConfig: KubeConfig,
  kind: ReconciledKind | 'AppBinding',
  keysFor: WatchSpec['keysFor'],
): WatchSpec {
  const info = kinds[kind];
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    kind,
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
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const index = new InvokerIndex();
  const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY_STASH}`;
  const triggers = `${LABEL_INVOKER_TYPE}=BackupConfiguration`;
  return [
    // A BackupConfiguration does not read its own status: its status writes wake nothing.
    {
      ...customWatch(kubeConfig, 'BackupConfiguration', (o, ctx) => [
        ...(NOT_STATUS.has(ctx.change) ? self('BackupConfiguration')(o) : []),
        ...(STRUCTURAL.has(ctx.change) ? repositoryOf(o) : []),
      ]),
      observe: (o, deleted) => index.observe(o, deleted),
    },
    // Sessions follow their status (the Job's steps write it), so every change wakes them.
    customWatch(kubeConfig, 'BackupSession', self('BackupSession')),
    customWatch(kubeConfig, 'RestoreSession', (o, ctx) => [
      ...self('RestoreSession')(o),
      ...(STRUCTURAL.has(ctx.change) ? repositoryOf(o) : []),
    ]),
    customWatch(kubeConfig, 'Repository', (o, ctx) => [
      ...(NOT_STATUS.has(ctx.change) ? self('Repository')(o) : []),
      ...(STRUCTURAL.has(ctx.change) ? index.invokersOf('Repository', o) : []),
    ]),
    // KubeDB creates AppBindings; a BackupConfiguration only checks that its target exists.
    customWatch(kubeConfig, 'AppBinding', (o, ctx) =>
      STRUCTURAL.has(ctx.change) ? index.invokersOf('AppBinding', o) : [],
    ),
    {
      kind: 'Job',
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
    // The trigger CronJobs: the scheduler reads them from this cache, and a CronJob someone
    // edited or deleted wakes its BackupConfiguration (not the CronJob controller's status writes).
    {
      kind: 'CronJob',
      path: '/apis/batch/v1/cronjobs',
      labelSelector: triggers,
      list: async () =>
        (await batch.listCronJobForAllNamespaces({ labelSelector: triggers })) as {
          items: KubernetesObject[];
        },
      keysFor: (o, ctx) =>
        NOT_STATUS.has(ctx.change)
          ? (o.metadata?.ownerReferences ?? [])
              .filter((r) => r.kind === 'BackupConfiguration')
              .map((r) => keyOf(r.kind, o.metadata?.namespace, r.name))
          : [],
    },
  ];
}
