/**
 * The standalone store's change feed: every write, by any process sharing the state file (the
 * runtime, a step process, `stowage apply`), is appended here in the write's own transaction,
 * classified as the Kubernetes runtime classifies its watch events. Watchers read what is newer
 * than what they have seen — the standalone counterpart of a watch.
 */
import type { AnyObject, KindName } from '../../api/index.ts';
import type { Change } from '../../controllers/controller.ts';
import type { StateDb } from './state-db.ts';

/** One change of the store: the object after it (before it, when deleted). */
export interface StoreChange {
  kind: KindName;
  change: Change;
  object: AnyObject;
}

/**
 * Entries kept behind the newest: enough for a watcher that fell behind a moment (one further
 * behind catches up by its resync), and a bound on the file when nobody watches.
 */
const KEPT = 10_000;

export class ChangeLog {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** Inside the write's transaction. */
  append(kind: KindName, namespace: string, obj: AnyObject, resourceVersion: number, change: Change): void {
    this.#db
      .prepare(
        'INSERT INTO changes (resource_version, kind, namespace, name, change, body) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(resourceVersion, kind, namespace, obj.metadata.name ?? '', change, JSON.stringify(obj));
    this.#db.prepare('DELETE FROM changes WHERE resource_version < ?').run(resourceVersion - KEPT);
  }

  /** The newest entry's resource version (0: none). */
  last(): number {
    const row = this.#db.prepare('SELECT MAX(resource_version) AS rv FROM changes').get() as {
      rv: number | null;
    };
    return row.rv ?? 0;
  }

  /** The entries after `resourceVersion`, oldest first. */
  since(resourceVersion: number): Array<StoreChange & { resourceVersion: number }> {
    const rows = this.#db
      .prepare(
        'SELECT resource_version AS rv, kind, change, body FROM changes WHERE resource_version > ? ORDER BY resource_version',
      )
      .all(resourceVersion) as unknown as Array<{ rv: number; kind: KindName; change: Change; body: string }>;
    return rows.map((r) => ({
      resourceVersion: r.rv,
      kind: r.kind,
      change: r.change,
      object: JSON.parse(r.body) as AnyObject,
    }));
  }
}

/** What an update that keeps the spec changed: metadata when labels, annotations, finalizers or owners moved. */
export function metadataChange(before: AnyObject, after: AnyObject): Change {
  const meta = (o: AnyObject) => {
    const m = o.metadata;
    return JSON.stringify([m.labels, m.annotations, m.finalizers, m.ownerReferences]);
  };
  return meta(before) === meta(after) ? 'status' : 'metadata';
}
