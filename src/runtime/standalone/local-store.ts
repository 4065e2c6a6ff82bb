/**
 * Store over the embedded SQLite state, following the API server's rules (the Store contract,
 * test/integration/store/contract.ts). Objects are validated (and defaulted) by the api schemas on
 * every write, and a new object's name and namespace checked as the server checks them, so what is
 * stored is always a well-formed object. As on the server, a cluster-scoped object has no
 * namespace, a Secret's stringData is stored as base64 data, and only kinds with a status
 * subresource take a status write. Deleting an object deletes what it owns, as Kubernetes'
 * garbage collector does with background propagation.
 *
 * Every write also goes to the change log (change-log.ts) in its own transaction, whichever
 * process makes it; `watch()` follows the log, so the runtime learns of every change.
 *
 * Finalizers work as on the API server: deleting an object that has `metadata.finalizers` only sets
 * `metadata.deletionTimestamp` (once, bumping generation) and keeps it; the update that leaves the
 * finalizers empty removes it, and then what it owns. An update cannot set a deletionTimestamp;
 * while an object is being deleted its deletionTimestamp cannot be changed and no new finalizer can
 * be added.
 */
/* eslint-disable @typescript-eslint/require-await -- node:sqlite is synchronous, but the Store
   contract is async: `async` turns a failed write into a rejection rather than a synchronous throw. */
import { randomUUID } from 'node:crypto';
import {
  kinds,
  parseObject,
  type AnyObject,
  type KindName,
  type ObjectMeta,
  type ObjectOf,
} from '../../api/index.ts';
import type { Change } from '../../controllers/controller.ts';
import type { ListOptions, Store, StowageEvent } from '../../controllers/store.ts';
import { ChangeLog, metadataChange, type StoreChange } from './change-log.ts';
import { StowageError, ValidationError } from '../../errors.ts';
import { inTransaction, nextCounter, type StateDb } from './state-db.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';
import { mergeStringData } from './secret-data.ts';

interface Row {
  body: string;
  uid: string;
}

const clusterScoped = (kind: KindName): boolean => kinds[kind].scope === 'Cluster';
const nsOf = (kind: KindName, namespace: string | undefined): string =>
  clusterScoped(kind) ? '' : (namespace ?? DEFAULT_NAMESPACE);
/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object: how messages name an object. */
const subject = (kind: KindName, namespace: string, name: string): string =>
  `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
const KINDS_WITH_STATUS = (Object.keys(kinds) as KindName[]).filter((k) => kinds[k].hasStatus);

/**
 * The object as this store keeps it: validated and defaulted, without a namespace when its kind
 * is cluster-scoped, a Secret's stringData merged into data.
 */
function accepted<K extends KindName>(input: ObjectOf<K>): ObjectOf<K> {
  const obj = mergeStringData(parseObject(structuredClone(input)));
  if (!clusterScoped(obj.kind)) return obj as ObjectOf<K>;
  const { namespace: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata } as ObjectOf<K>;
}

/**
 * What an update may not do to deletion, as on the API server: start it (only a delete sets
 * deletionTimestamp) or, once it began, add a finalizer.
 */
function checkDeletionUnchanged(what: string, current: ObjectMeta, wanted: ObjectMeta): void {
  if (current.deletionTimestamp === undefined) {
    if (wanted.deletionTimestamp === undefined) return;
    throw new ValidationError(what, [
      {
        path: 'metadata.deletionTimestamp',
        message: 'cannot be set by an update; delete the object to start its deletion',
      },
    ]);
  }
  const added = (wanted.finalizers ?? []).filter((f) => !(current.finalizers ?? []).includes(f));
  if (added.length > 0) {
    throw new StowageError(
      'INVALID_INPUT',
      `${what} is being deleted: no new finalizers can be added (${added.join(', ')})`,
    );
  }
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function labelsMatch(obj: AnyObject, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  const have = obj.metadata.labels ?? {};
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

export class LocalStore implements Store {
  readonly #db: StateDb;
  readonly #now: () => Date;
  readonly #log: ChangeLog;
  readonly #watchers = new Set<(change: StoreChange) => void>();
  /** The newest change reported to the watchers. */
  #seen = 0;

  constructor(db: StateDb, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
    this.#log = new ChangeLog(db);
  }

  /**
   * Calls `listener` for every change from now on, by any process: at once for writes through this
   * instance, within `pollMs` for the others'. Returns the function that stops watching.
   */
  watch(listener: (change: StoreChange) => void, pollMs = 500): () => void {
    if (this.#watchers.size === 0) this.#seen = this.#log.last();
    this.#watchers.add(listener);
    const timer = setInterval(() => this.#drain(), pollMs);
    return () => {
      clearInterval(timer);
      this.#watchers.delete(listener);
    };
  }

  /** Reports the changes the watchers have not seen yet. */
  #drain(): void {
    if (this.#watchers.size === 0) return;
    for (const c of this.#log.since(this.#seen)) {
      this.#seen = c.resourceVersion;
      for (const w of this.#watchers) w(c);
    }
  }

  async get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    return this.getSync(kind, namespace, name);
  }

  getSync<K extends KindName>(kind: K, namespace: string, name: string): ObjectOf<K> | undefined {
    const row = this.#db
      .prepare('SELECT body FROM objects WHERE kind = ? AND namespace = ? AND name = ?')
      .get(kind, nsOf(kind, namespace), name) as Row | undefined;
    return row ? (JSON.parse(row.body) as ObjectOf<K>) : undefined;
  }

  async list<K extends KindName>(kind: K, options: ListOptions = {}): Promise<ObjectOf<K>[]> {
    const rows = (options.namespace === undefined || clusterScoped(kind)
      ? this.#db.prepare('SELECT body FROM objects WHERE kind = ? ORDER BY namespace, name').all(kind)
      : this.#db
          .prepare('SELECT body FROM objects WHERE kind = ? AND namespace = ? ORDER BY name')
          .all(kind, options.namespace)) as unknown as Row[];
    const objects = rows.map((r) => JSON.parse(r.body) as ObjectOf<K>);
    return objects.filter((o) => labelsMatch(o as AnyObject, options.labels));
  }

  async create<K extends KindName>(input: ObjectOf<K>): Promise<ObjectOf<K>> {
    const obj = accepted(input);
    const kind = obj.kind as K;
    const meta = (obj as AnyObject).metadata;
    const namespace = nsOf(kind, meta.namespace);
    const created = inTransaction(this.#db, () => {
      // An empty name with a generateName is generated, as the server does.
      const name = meta.name || `${meta.generateName ?? ''}${randomSuffix()}`;
      if (this.getSync(kind, namespace, name)) {
        throw new StowageError('ALREADY_EXISTS', `${subject(kind, namespace, name)} already exists`);
      }
      const rv = nextCounter(this.#db, 'resourceVersion');
      // The server's to set (by a delete), never the creator's.
      const { deletionTimestamp: _ignored, ...given } = meta;
      const full = {
        ...obj,
        metadata: {
          ...given,
          name,
          ...(clusterScoped(kind) ? {} : { namespace }),
          uid: randomUUID(),
          generation: 1,
          resourceVersion: String(rv),
          creationTimestamp: this.#timestamp(),
        },
      } as ObjectOf<K>;
      this.#write(kind, full, rv, 'added');
      return full;
    });
    this.#drain();
    return created;
  }

  async update<K extends KindName>(input: ObjectOf<K>): Promise<ObjectOf<K>> {
    const obj = accepted(input);
    const kind = obj.kind as K;
    const namespace = nsOf(kind, obj.metadata.namespace);
    const name = obj.metadata.name ?? '';
    const what = subject(kind, namespace, name);
    const updated = inTransaction(this.#db, () => {
      const current = this.getSync(kind, namespace, name);
      if (!current) throw new StowageError('NOT_FOUND', `${what} not found`);
      const cur = current as AnyObject;
      if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
        throw new StowageError('CONFLICT', `${what} was modified; retry`);
      }
      checkDeletionUnchanged(what, cur.metadata, obj.metadata);
      const deleting = cur.metadata.deletionTimestamp;
      const specChanged =
        JSON.stringify((obj as { spec?: unknown }).spec) !== JSON.stringify((cur as { spec?: unknown }).spec);
      const rv = nextCounter(this.#db, 'resourceVersion');
      const { deletionTimestamp: _ignored, ...given } = obj.metadata;
      const next = {
        ...obj,
        metadata: {
          ...given,
          uid: cur.metadata.uid,
          creationTimestamp: cur.metadata.creationTimestamp,
          // Only a delete sets it, and nothing clears it.
          ...(deleting !== undefined ? { deletionTimestamp: deleting } : {}),
          generation: (cur.metadata.generation ?? 1) + (specChanged ? 1 : 0),
          resourceVersion: String(rv),
        },
        ...('status' in cur && cur.status !== undefined ? { status: cur.status } : {}),
      } as ObjectOf<K>;
      this.#write(kind, next, rv, specChanged ? 'spec' : metadataChange(cur, next as AnyObject));
      // The last finalizer of a deleted object is gone: now it really goes, with what it owns.
      if (deleting !== undefined && (obj.metadata.finalizers ?? []).length === 0)
        this.#removeCascade(kind, namespace, name);
      return next;
    });
    this.#drain();
    return updated;
  }

  async updateStatus<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    mutate: (current: ObjectOf<K>) => ObjectOf<K>['status' & keyof ObjectOf<K>] | undefined,
  ): Promise<ObjectOf<K>> {
    const ns = nsOf(kind, namespace);
    if (!kinds[kind].hasStatus) {
      throw new StowageError(
        'INVALID_INPUT',
        `${subject(kind, ns, name)}: a ${kind} has no status subresource, so no status can be written (the kinds with one: ${KINDS_WITH_STATUS.join(', ')})`,
      );
    }
    let written = false;
    const result = inTransaction(this.#db, () => {
      const current = this.getSync(kind, ns, name);
      if (!current) throw new StowageError('NOT_FOUND', `${subject(kind, ns, name)} not found`);
      const status = mutate(structuredClone(current));
      if (status === undefined) return current;
      if (JSON.stringify(status) === JSON.stringify((current as { status?: unknown }).status)) return current;
      written = true;
      const rv = nextCounter(this.#db, 'resourceVersion');
      const next = {
        ...current,
        status,
        metadata: { ...(current as AnyObject).metadata, resourceVersion: String(rv) },
      };
      this.#write(kind, next as ObjectOf<K>, rv, 'status');
      return next as ObjectOf<K>;
    });
    // Only real writes wake the controllers: a no-op status write must not requeue forever.
    if (written) this.#drain();
    return result;
  }

  /**
   * Removes the object and, as the garbage collector would, everything it owns — or, when it has
   * finalizers, marks it (deletionTimestamp, set once) and keeps it until they are removed.
   * True when the object existed.
   */
  async delete(kind: KindName, namespace: string, name: string): Promise<boolean> {
    const ns = nsOf(kind, namespace);
    const existed = inTransaction(this.#db, (): boolean => {
      const current = this.getSync(kind, ns, name);
      if (!current) return false;
      const meta = (current as AnyObject).metadata;
      if ((meta.finalizers ?? []).length === 0) this.#removeCascade(kind, ns, name);
      else if (meta.deletionTimestamp === undefined) this.#markDeleted(kind, current as AnyObject);
      return true;
    });
    this.#drain();
    return existed;
  }

  /**
   * Inside a transaction: removes an object and what it owns, transitively. An owned object that
   * has finalizers is only marked for deletion (and keeps what it owns), as the garbage collector
   * does with background propagation.
   */
  #removeCascade(kind: KindName, ns: string, name: string): void {
    const root = this.getSync(kind, ns, name) as AnyObject | undefined;
    if (!root) return;
    const queue: Array<{ kind: KindName; object: AnyObject }> = [{ kind, object: root }];
    while (queue.length) {
      const next = queue.shift()!;
      const meta = next.object.metadata;
      // The root goes (its caller checked its finalizers); what it owns may have finalizers of its own.
      if (next.object !== root && (meta.finalizers ?? []).length > 0) {
        if (meta.deletionTimestamp === undefined) this.#markDeleted(next.kind, next.object);
        continue;
      }
      this.#db.prepare('DELETE FROM objects WHERE uid = ?').run(meta.uid ?? '');
      const rv = nextCounter(this.#db, 'resourceVersion');
      this.#log.append(next.kind, nsOf(next.kind, meta.namespace), next.object, rv, 'deleted');
      const owned = this.#db
        .prepare("SELECT kind, body FROM objects WHERE (',' || owner_uids || ',') LIKE ?")
        .all(`%,${meta.uid ?? ''},%`) as unknown as Array<{ kind: KindName; body: string }>;
      queue.push(...owned.map((o) => ({ kind: o.kind, object: JSON.parse(o.body) as AnyObject })));
    }
  }

  /**
   * Inside a transaction: deletion begins (deletionTimestamp, set once); finalizers hold the object.
   * As on the API server the generation goes up: what the object is meant to be has changed.
   */
  #markDeleted(kind: KindName, current: AnyObject): void {
    const rv = nextCounter(this.#db, 'resourceVersion');
    const metadata = {
      ...current.metadata,
      deletionTimestamp: this.#timestamp(),
      generation: (current.metadata.generation ?? 1) + 1,
      resourceVersion: String(rv),
    };
    this.#write(kind, { ...current, metadata } as ObjectOf<KindName>, rv, 'spec');
  }

  #timestamp(): string {
    return this.#now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * The standalone runtime has no Namespace objects: every namespace exists and carries only the
   * label Kubernetes gives every namespace, so `kubernetes.io/metadata.name` selectors work alike.
   */
  async namespaceLabels(namespace: string): Promise<Record<string, string>> {
    return { 'kubernetes.io/metadata.name': namespace };
  }

  async recordEvent(event: StowageEvent): Promise<void> {
    const o = event.involvedObject;
    this.#db
      .prepare(
        'INSERT INTO events (kind, namespace, name, type, reason, message, source, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        o.kind,
        o.namespace,
        o.name,
        event.type,
        event.reason,
        event.message,
        event.source,
        event.time ?? this.#now().toISOString(),
      );
    return;
  }

  /** Oldest first by the time each event carries (one given by its recorder is kept), then as recorded. */
  async listEvents(involved: { kind: string; namespace: string; name: string }): Promise<StowageEvent[]> {
    const rows = this.#db
      .prepare(
        "SELECT * FROM events WHERE kind = ? AND namespace = ? AND name = ? ORDER BY unixepoch(time, 'subsec'), id",
      )
      .all(involved.kind, involved.namespace, involved.name) as unknown as Array<Record<string, string>>;
    return rows.map((r) => ({
      involvedObject: involved,
      type: r.type as 'Normal' | 'Warning',
      reason: r.reason ?? '',
      message: r.message ?? '',
      source: r.source ?? '',
      time: r.time ?? '',
    }));
  }

  #write(kind: KindName, obj: ObjectOf<KindName>, rv: number, change: Change): void {
    const meta = (obj as AnyObject).metadata;
    const owners = (meta.ownerReferences ?? []).map((o) => o.uid).join(',');
    this.#db
      .prepare(
        `INSERT INTO objects (kind, namespace, name, uid, owner_uids, resource_version, body) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(kind, namespace, name) DO UPDATE SET owner_uids = excluded.owner_uids,
           resource_version = excluded.resource_version, body = excluded.body`,
      )
      .run(
        kind,
        nsOf(kind, meta.namespace),
        meta.name ?? '',
        meta.uid ?? '',
        owners,
        rv,
        JSON.stringify(obj),
      );
    this.#log.append(kind, nsOf(kind, meta.namespace), obj as AnyObject, rv, change);
  }
}
