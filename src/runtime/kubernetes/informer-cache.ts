/**
 * Reads from the operator's informer caches instead of the API server, for the kinds whose reads
 * are hot and tolerate a watch's delay: BackupConfigurations, Repositories, AppBindings (gets and
 * lists) and RestoreSessions (lists). A BackupConfiguration reconcile then costs no request when
 * nothing changed, and a Repository's status.references no longer lists every
 * BackupConfiguration of the cluster from the API server.
 *
 * Consistency: level-triggered controllers only need eventually consistent reads, as every
 * informer-based controller has them, with one exception this store covers: reading what this
 * process has just written. It keeps each of its writes (the object as the server returned it)
 * until the watch delivers that version, and answers reads of that object with it meanwhile. A
 * write based on a stale read carries that read's resourceVersion, so it fails with a conflict
 * instead of overwriting, and a status write is then redone on a fresh read. Sessions are read
 * from the API server: their controllers re-read them to decide what a finished Job means.
 *
 * The scheduler wrapper does the same for the trigger CronJobs: when the cached CronJob is as
 * wanted and the RBAC of this BackupConfiguration was applied recently (same manifests), ensure()
 * sends nothing; otherwise the CronJobScheduler applies everything as before.
 */
import { createHash } from 'node:crypto';
import type { KubernetesObject, V1CronJob } from '@kubernetes/client-node';
import { kinds, type KindInfo, type KindName, type ObjectOf, type StatusOf } from '../../api/index.ts';
import type { ListOptions, Scheduler, Store, StowageEvent } from '../../controllers/store.ts';
import { LABEL_INVOKER_NAME, LABEL_INVOKER_TYPE } from '../../api/well-known.ts';
import { isSubset } from './apply-object.ts';
import { cronJobManifests } from './cron-job-manifest.ts';
import type { KubeClients } from './kube-client.ts';
import { isConflict, toStowageError } from './kube-errors.ts';
import type { KubeStore } from './kube-store.ts';
import type { WatchedKind } from './watches.ts';
import { namespaceOf } from '../../api/well-known.ts';

/** What the caches offer: client-node's ObjectCache. */
export interface CacheReader {
  get(name: string, namespace?: string): KubernetesObject | undefined;
  list(namespace?: string): readonly KubernetesObject[];
}

export type CacheLookup = (kind: WatchedKind) => CacheReader | undefined;

const GET_FROM_CACHE: ReadonlySet<KindName> = new Set(['BackupConfiguration', 'Repository', 'AppBinding']);
const LIST_FROM_CACHE: ReadonlySet<KindName> = new Set([
  'BackupConfiguration',
  'Repository',
  'AppBinding',
  'RestoreSession',
]);
/** A write not seen on the watch after this long is forgotten (the watch was re-listed meanwhile). */
const PENDING_WRITE_MS = 30_000;

type Raw = Record<string, unknown> & { metadata?: { resourceVersion?: string; name?: string } };

const keyOf = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;

/**
 * Deep-freezes an object entering a cache: list() hands cached objects out as they are, and a
 * caller that mutated one would corrupt the cache; frozen, it fails at once instead.
 */
export function freezeDeep<T>(o: T): T {
  if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return o;
  for (const v of Object.values(o)) freezeDeep(v);
  return Object.freeze(o);
}

export class CachedStore implements Store {
  readonly #inner: KubeStore;
  readonly #c: KubeClients;
  readonly #cache: CacheLookup;
  readonly #fieldManager: string;
  /**
   * Our own writes the watch has not delivered yet: key → the object as the server returned it
   * (undefined: we deleted it). Reads of such an object get this copy: the newest we know of.
   */
  readonly #pending = new Map<string, { obj: Raw | undefined; at: number }>();

  constructor(o: { inner: KubeStore; clients: KubeClients; cache: CacheLookup; fieldManager?: string }) {
    this.#inner = o.inner;
    this.#c = o.clients;
    this.#cache = o.cache;
    this.#fieldManager = o.fieldManager ?? 'stowage';
  }

  /** Called by the operator for every watch event of a cached kind. */
  observe(kind: string, obj: KubernetesObject, deleted: boolean): void {
    if (this.#pending.size === 0) return;
    const key = keyOf(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    const p = this.#pending.get(key);
    if (p && (deleted || p.obj?.metadata?.resourceVersion === obj.metadata?.resourceVersion))
      this.#pending.delete(key);
  }

  async get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    const cache = GET_FROM_CACHE.has(kind) ? this.#cache(kind as WatchedKind) : undefined;
    if (!cache) return this.#inner.get(kind, namespace, name);
    const pending = this.#pendingWrite(kind, namespace, name);
    const obj = pending ? pending.obj : cache.get(name, namespace);
    return obj ? (withTypeMeta(kinds[kind], structuredClone(obj) as Raw) as ObjectOf<K>) : undefined;
  }

  /**
   * The cache as it is: eventually consistent (this process's own writes appear once the watch
   * delivers them), and its objects are shared and frozen: copy one before changing it.
   */
  async list<K extends KindName>(kind: K, options: ListOptions = {}): Promise<ObjectOf<K>[]> {
    const cache = LIST_FROM_CACHE.has(kind) ? this.#cache(kind as WatchedKind) : undefined;
    if (!cache) return this.#inner.list(kind, options);
    const labels = Object.entries(options.labels ?? {});
    // cache.list() returns a new array: without a selector, it is the answer.
    if (labels.length === 0) return cache.list(options.namespace) as unknown as ObjectOf<K>[];
    const out: ObjectOf<K>[] = [];
    for (const obj of cache.list(options.namespace)) {
      const have = obj.metadata?.labels ?? {};
      if (labels.every(([k, v]) => have[k] === v)) out.push(obj as unknown as ObjectOf<K>);
    }
    return out;
  }

  async create<K extends KindName>(obj: ObjectOf<K>): Promise<ObjectOf<K>> {
    return this.#wrote(obj.kind, await this.#inner.create(obj));
  }

  async update<K extends KindName>(obj: ObjectOf<K>): Promise<ObjectOf<K>> {
    return this.#wrote(obj.kind, await this.#inner.update(obj));
  }

  /**
   * Read-modify-write of the status from the cached object: nothing is sent when the status is
   * already as wanted; a write based on a stale read fails on its resourceVersion and is redone by
   * KubeStore.updateStatus on a fresh read.
   */
  async updateStatus<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    mutate: (current: ObjectOf<K>) => StatusOf<K> | undefined,
  ): Promise<ObjectOf<K>> {
    const info: KindInfo = kinds[kind];
    const current = GET_FROM_CACHE.has(kind) ? await this.get(kind, namespace, name) : undefined;
    if (current && info.hasStatus && info.scope === 'Namespaced') {
      const status = mutate(structuredClone(current));
      if (status === undefined) return current;
      // The server returns custom objects with their keys sorted: compare regardless of key order.
      if (canonicalJson(status) === canonicalJson((current as { status?: unknown }).status)) return current;
      try {
        const out = (await this.#c.custom.replaceNamespacedCustomObjectStatus({
          group: info.group,
          version: info.version,
          plural: info.plural,
          namespace,
          name,
          body: { ...(current as unknown as Raw), status },
          fieldManager: this.#fieldManager,
        })) as Raw;
        return this.#wrote(kind, withTypeMeta(info, out) as ObjectOf<K>);
      } catch (e) {
        if (!isConflict(e)) throw toStowageError(e, 'update', `${kind} ${namespace}/${name} status`);
      }
    }
    return this.#wrote(kind, await this.#inner.updateStatus(kind, namespace, name, mutate));
  }

  async delete(kind: KindName, namespace: string, name: string): Promise<boolean> {
    const deleted = await this.#inner.delete(kind, namespace, name);
    if (deleted && LIST_FROM_CACHE.has(kind))
      this.#pending.set(keyOf(kind, namespace, name), { obj: undefined, at: Date.now() });
    return deleted;
  }

  recordEvent(event: StowageEvent): Promise<void> {
    return this.#inner.recordEvent(event);
  }

  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined> {
    return this.#inner.namespaceLabels(namespace);
  }

  listEvents(involved: { kind: string; namespace: string; name: string }): Promise<StowageEvent[]> {
    return this.#inner.listEvents(involved);
  }

  #wrote<T extends { metadata: { namespace?: string; name?: string; resourceVersion?: string } }>(
    kind: string,
    obj: T,
  ): T {
    const cached = this.#cache(kind as WatchedKind)?.get(obj.metadata.name ?? '', obj.metadata.namespace);
    // A write that changed nothing keeps its resourceVersion and produces no watch event.
    if (
      LIST_FROM_CACHE.has(kind as KindName) &&
      cached?.metadata?.resourceVersion !== obj.metadata.resourceVersion
    ) {
      this.#pending.set(keyOf(kind, obj.metadata.namespace ?? '', obj.metadata.name ?? ''), {
        obj: freezeDeep(structuredClone(obj) as unknown as Raw),
        at: Date.now(),
      });
    }
    return obj;
  }

  #pendingWrite(kind: string, namespace: string, name: string): { obj: Raw | undefined } | undefined {
    if (this.#pending.size === 0) return undefined;
    const key = keyOf(kind, namespace, name);
    const p = this.#pending.get(key);
    if (!p) return undefined;
    if (Date.now() - p.at < PENDING_WRITE_MS) return p;
    this.#pending.delete(key);
    return undefined;
  }
}

/** JSON with object keys sorted at every level: equal for values equal up to key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

function withTypeMeta(info: KindInfo, raw: Raw): Raw {
  return { ...raw, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind };
}

export interface CachedSchedulerOptions {
  inner: Scheduler;
  image: string;
  cache: CacheLookup;
  /** How long a BackupConfiguration's applied RBAC is trusted before it is applied again (default 10 min, +0–50%). */
  rbacRecheckMs?: number;
}

/**
 * The CronJobScheduler behind the CronJob cache. ensure() goes to the API server only when the
 * cached CronJob differs from the wanted one, when this BackupConfiguration's ServiceAccount,
 * Role and RoleBinding were not applied by this process with the same manifests within
 * `rbacRecheckMs`, or on the first reconcile after a start. remove() lists and deletes only when
 * the cache holds a trigger of that BackupConfiguration (or one was just created).
 */
export class CachedScheduler implements Scheduler {
  readonly #inner: Scheduler;
  readonly #image: string;
  readonly #cache: CacheLookup;
  readonly #recheckMs: number;
  /** BackupConfiguration ns/name → when its RBAC was applied, with which manifests, for which uid. */
  readonly #applied = new Map<string, { uid: string; hash: string; until: number; at: number }>();

  constructor(o: CachedSchedulerOptions) {
    this.#inner = o.inner;
    this.#image = o.image;
    this.#cache = o.cache;
    this.#recheckMs = o.rbacRecheckMs ?? 10 * 60_000;
  }

  async ensure(bc: ObjectOf<'BackupConfiguration'>): Promise<string> {
    const ns = namespaceOf(bc);
    const key = `${ns}/${bc.metadata.name ?? ''}`;
    const { cronJob, rbac } = cronJobManifests(bc, { image: this.#image });
    const name = cronJob.metadata?.name ?? '';
    const hash = createHash('sha1').update(JSON.stringify(rbac)).digest('base64');
    const applied = this.#applied.get(key);
    const now = Date.now();
    const cached = this.#cache('CronJob')?.get(name, ns) as V1CronJob | undefined;
    if (
      cached &&
      applied !== undefined &&
      applied.uid === bc.metadata.uid &&
      applied.hash === hash &&
      applied.until > now &&
      isSubset(cronJob.spec, cached.spec) &&
      isSubset(cronJob.metadata?.labels, cached.metadata?.labels) &&
      isSubset(cronJob.metadata?.ownerReferences, cached.metadata?.ownerReferences)
    )
      return name;
    const out = await this.#inner.ensure(bc);
    const spread = this.#recheckMs * (1 + Math.random() / 2);
    this.#applied.set(key, { uid: bc.metadata.uid ?? '', hash, until: now + spread, at: now });
    return out;
  }

  async remove(namespace: string, bcName: string): Promise<void> {
    const key = `${namespace}/${bcName}`;
    const applied = this.#applied.get(key);
    this.#applied.delete(key);
    const justCreated = applied !== undefined && Date.now() - applied.at < PENDING_WRITE_MS;
    const cached = (this.#cache('CronJob')?.list(namespace) ?? []).some((cj) => {
      const l = cj.metadata?.labels ?? {};
      return l[LABEL_INVOKER_TYPE] === 'BackupConfiguration' && l[LABEL_INVOKER_NAME] === bcName;
    });
    if (cached || justCreated || !this.#cache('CronJob')) await this.#inner.remove(namespace, bcName);
  }
}
