/**
 * What a controller declares (one `setup.ts` per controller folder): the kind it reconciles, what
 * it watches and how a change maps to the keys to reconcile, which objects it names (so a change of
 * those finds it), which of its objects a periodic resync re-checks, and how a terminal error is
 * reported on the object. Both runtimes read these declarations (src/controllers/wake-up.ts), so
 * they wake the same code for the same reasons.
 */
import type { KindName, ObjectOf } from '../api/index.ts';
import type { StowageError } from '../errors.ts';
import type { ControllerContext, ReconcileResult } from './context.ts';

export type ReconciledKind = 'BackupConfiguration' | 'BackupSession' | 'RestoreSession' | 'Repository';

/** Kinds a controller may watch: the store's kinds, and the Kubernetes runtime's Jobs and CronJobs. */
export type WatchedKind = KindName | 'Job' | 'CronJob';

/**
 * What an event changed. `spec`: metadata.generation moved (or deletion began); `metadata`:
 * labels, annotations, finalizers or owners; `status`: nothing else. Added and deleted are what they say.
 */
export type Change = 'added' | 'deleted' | 'spec' | 'metadata' | 'status';

export const ANY_CHANGE: ReadonlySet<Change> = new Set(['added', 'deleted', 'spec', 'metadata', 'status']);
/** The object appeared, went, or its spec moved: what names and references depend on. */
export const STRUCTURAL: ReadonlySet<Change> = new Set(['added', 'deleted', 'spec']);
/** Everything but a status write (most of which are the controllers' own). */
export const NOT_STATUS: ReadonlySet<Change> = new Set(['added', 'deleted', 'spec', 'metadata']);

/** The part of any watched object the declarations read. */
export interface WatchedObject {
  kind?: string | undefined;
  metadata?:
    | {
        name?: string | undefined;
        namespace?: string | undefined;
        ownerReferences?: Array<{ kind: string; name: string }> | undefined;
      }
    | undefined;
  spec?: unknown;
  status?: unknown;
}

/** `Kind/namespace/name`: a work-queue key, and how references name objects. */
export type ObjectKey = string;

export const keyOf = (kind: string, namespace: string | undefined, name: string | undefined): ObjectKey =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

/** Who names an object: the keys of the objects whose declared references include it. */
export type ReferencedBy = (referenced: ObjectKey, referrerKind: ReconciledKind) => ObjectKey[];

export interface Watch {
  kind: WatchedKind;
  /** The changes of that kind that matter to this controller. */
  on: ReadonlySet<Change>;
  /** The keys (of the controller's kind) a changed object wakes. */
  wakes: (o: WatchedObject, referencedBy: ReferencedBy) => ObjectKey[];
}

export interface Controller<K extends ReconciledKind = ReconciledKind> {
  kind: K;
  reconcile: (ctx: ControllerContext, namespace: string, name: string) => Promise<ReconcileResult>;
  watches: readonly Watch[];
  /** The objects this kind's objects name (kept in an index, for watches of those kinds). */
  references?: (o: WatchedObject) => ObjectKey[];
  /** Whether a periodic resync re-checks this object (it can change without an event). */
  resync: (o: ObjectOf<K>) => boolean;
  /** Writes a terminal error (one the work queue does not retry) where the user looks. */
  reportFailure: (
    ctx: ControllerContext,
    namespace: string,
    name: string,
    error: StowageError,
  ) => Promise<void>;
}

/** A watch of the controller's own kind. */
export function watchSelf(kind: ReconciledKind, on: ReadonlySet<Change>): Watch {
  return { kind, on, wakes: (o) => [keyOf(kind, o.metadata?.namespace, o.metadata?.name)] };
}

/** A watch that wakes the owners (ownerReferences) of kind `owner` of a changed object. */
export function watchOwned(kind: WatchedKind, owner: ReconciledKind, on: ReadonlySet<Change>): Watch {
  return {
    kind,
    on,
    wakes: (o) =>
      (o.metadata?.ownerReferences ?? [])
        .filter((r) => r.kind === owner)
        .map((r) => keyOf(owner, o.metadata?.namespace, r.name)),
  };
}

/** A watch that wakes the objects of `referrer` kind whose references name the changed object. */
export function watchReferenced(kind: WatchedKind, referrer: ReconciledKind, on: ReadonlySet<Change>): Watch {
  return {
    kind,
    on,
    wakes: (o, referencedBy) => referencedBy(keyOf(kind, o.metadata?.namespace, o.metadata?.name), referrer),
  };
}

/** The Repository an invoker (BackupConfiguration, RestoreSession) names in spec.repository. */
export function repositoryNamedBy(o: WatchedObject): ObjectKey[] {
  const ref = (o.spec as { repository?: { name?: string; namespace?: string } } | undefined)?.repository;
  return ref?.name ? [keyOf('Repository', ref.namespace || o.metadata?.namespace, ref.name)] : [];
}
