/**
 * The one wake-up rule of both runtimes: from a changed object to the work-queue keys of the
 * controllers that care, as their setup.ts declarations say. The Kubernetes runtime feeds it its
 * informers' events, the standalone runtime its store's change feed. It keeps the index of who
 * names whom (a Repository's change finds the BackupConfigurations naming it without a scan).
 */
import {
  keyOf,
  type Change,
  type Controller,
  type ObjectKey,
  type ReconciledKind,
  type WatchedKind,
  type WatchedObject,
} from './controller.ts';
import { CONTROLLERS } from './index.ts';

export class WakeUp {
  readonly #controllers: readonly Controller[];
  /** Referring object key → the keys it names. */
  readonly #names = new Map<ObjectKey, ObjectKey[]>();
  /** Named object key → the keys naming it. */
  readonly #namedBy = new Map<ObjectKey, Set<ObjectKey>>();

  constructor(controllers: readonly Controller[] = CONTROLLERS) {
    this.#controllers = controllers;
  }

  /** The kinds some controller watches: what a runtime must feed in. */
  get watchedKinds(): ReadonlySet<WatchedKind> {
    return new Set(this.#controllers.flatMap((c) => c.watches.map((w) => w.kind)));
  }

  /** An object of `kind` changed: the keys to reconcile. */
  changed(kind: WatchedKind, o: WatchedObject, change: Change): ObjectKey[] {
    this.#index(kind, o, change === 'deleted');
    const keys = new Set<ObjectKey>();
    for (const c of this.#controllers) {
      for (const w of c.watches) {
        if (w.kind !== kind || !w.on.has(change)) continue;
        for (const key of w.wakes(o, (named, referrer) => this.referencedBy(named, referrer))) keys.add(key);
      }
    }
    return [...keys];
  }

  /** The keys of `referrerKind` objects whose references name `named`. */
  referencedBy(named: ObjectKey, referrerKind: ReconciledKind): ObjectKey[] {
    return [...(this.#namedBy.get(named) ?? [])].filter((k) => k.startsWith(`${referrerKind}/`));
  }

  #index(kind: WatchedKind, o: WatchedObject, deleted: boolean): void {
    const controller = this.#controllers.find((c) => c.kind === kind);
    if (!controller?.references) return;
    const key = keyOf(kind, o.metadata?.namespace, o.metadata?.name);
    for (const old of this.#names.get(key) ?? []) {
      const set = this.#namedBy.get(old);
      set?.delete(key);
      if (set?.size === 0) this.#namedBy.delete(old);
    }
    const next = deleted ? [] : controller.references(o);
    if (next.length === 0) {
      this.#names.delete(key);
      return;
    }
    this.#names.set(key, next);
    for (const named of next) {
      let set = this.#namedBy.get(named);
      if (!set) this.#namedBy.set(named, (set = new Set()));
      set.add(key);
    }
  }
}

/** The keys a periodic resync re-checks, from each controller's objects. */
export function resyncKeys(objectsOf: (kind: ReconciledKind) => readonly WatchedObject[]): ObjectKey[] {
  return CONTROLLERS.flatMap((c) =>
    objectsOf(c.kind)
      .filter((o) => c.resync(o as never))
      .map((o) => keyOf(c.kind, o.metadata?.namespace, o.metadata?.name)),
  );
}
