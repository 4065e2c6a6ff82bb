/**
 * The seams both runtimes implement (design.md): a Store of objects with a status subresource,
 * a Scheduler that turns BackupConfigurations into periodic triggers, and an Executor that runs a
 * session's resolved steps as a Job. Controllers and in-job steps speak only to these.
 */
import type { KindName, ObjectOf } from '../api/index.ts';
import { namespaceOf } from '../api/well-known.ts';

export interface ListOptions {
  namespace?: string;
  /** Equality label selector: every pair must match. */
  labels?: Record<string, string>;
}

export interface Store {
  get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined>;
  list<K extends KindName>(kind: K, options?: ListOptions): Promise<ObjectOf<K>[]>;
  /** Creates an object; fills uid, creationTimestamp, generation, resourceVersion, name from generateName. Throws ALREADY_EXISTS. */
  create<K extends KindName>(obj: ObjectOf<K>): Promise<ObjectOf<K>>;
  /** Replaces metadata and spec (status is ignored), with optimistic concurrency when resourceVersion is set. */
  update<K extends KindName>(obj: ObjectOf<K>): Promise<ObjectOf<K>>;
  /**
   * Read-modify-write of the status subresource, atomically. `mutate` gets the current object and
   * returns the new status (or undefined to leave it untouched).
   */
  updateStatus<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    mutate: (current: ObjectOf<K>) => ObjectOf<K>['status' & keyof ObjectOf<K>] | undefined,
  ): Promise<ObjectOf<K>>;
  /** Deletes an object and, as the garbage collector would, everything it controls. */
  delete(kind: KindName, namespace: string, name: string): Promise<boolean>;
  recordEvent(event: StowageEvent): Promise<void>;
  /** A namespace's labels (Repository usagePolicy `Selector`); undefined when it does not exist. */
  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined>;
  listEvents(involved: { kind: string; namespace: string; name: string }): Promise<StowageEvent[]>;
}

export interface StowageEvent {
  involvedObject: { kind: string; namespace: string; name: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: string;
  time?: string;
}

/** Turns a schedule into BackupSessions. */
export interface Scheduler {
  /** Creates or updates the trigger for a BackupConfiguration (suspended while paused). Returns its name. */
  ensure(bc: ObjectOf<'BackupConfiguration'>): Promise<string>;
  remove(namespace: string, bcName: string): Promise<void>;
}

/** A resolved container of a Job: one Task step. */
export interface JobStep {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
}

export interface JobSpec {
  name: string;
  namespace: string;
  owner: { kind: 'BackupSession' | 'RestoreSession'; name: string; uid?: string };
  /** Run in order; the first failing step fails the Job (init-container semantics). */
  steps: JobStep[];
  /** True when an interim volume is requested (interimVolumeTemplate). */
  interimVolume: boolean;
  /**
   * The Repository the steps read and update, and its storage Secret. A cluster Job whose
   * Repository lives in another namespace (usagePolicy allowing it) needs access granted there.
   */
  repository?: {
    namespace: string;
    name: string;
    storageSecretName?: string;
    /** A local backend: its mountPath, optional subPath and Kubernetes volume source (hostPath, nfs, PVC…). */
    local?: { mountPath: string; subPath?: string; [volumeSource: string]: unknown };
  };
  /**
   * The invoker's settings a cluster Job applies (stash-spec §3.3): the interim PVC's template, pod
   * and container runtimeSettings (serviceAccountName, nodeSelector, resources, securityContext…)
   * and the tmp emptyDir's medium/size. The standalone runtime runs local processes and ignores them.
   */
  interimVolumeTemplate?: InvokerSpec['interimVolumeTemplate'];
  runtimeSettings?: InvokerSpec['runtimeSettings'];
  tempDir?: InvokerSpec['tempDir'];
}

type InvokerSpec = ObjectOf<'BackupConfiguration'>['spec'];

/** JobSpec.repository of a Repository object. */
export function repositoryRef(repo: ObjectOf<'Repository'>): NonNullable<JobSpec['repository']> {
  const secret = repo.spec.backend.storageSecretName;
  const local = repo.spec.backend.local;
  return {
    namespace: namespaceOf(repo),
    name: repo.metadata.name ?? '',
    ...(secret ? { storageSecretName: secret } : {}),
    ...(local ? { local } : {}),
  };
}

/** The JobSpec fields taken as they are from an invoker's spec (BackupConfiguration or RestoreSession). */
export function invokerJobSettings(
  spec: Pick<InvokerSpec, 'interimVolumeTemplate' | 'runtimeSettings' | 'tempDir'>,
): Pick<JobSpec, 'interimVolumeTemplate' | 'runtimeSettings' | 'tempDir'> {
  return {
    ...(spec.interimVolumeTemplate ? { interimVolumeTemplate: spec.interimVolumeTemplate } : {}),
    ...(spec.runtimeSettings ? { runtimeSettings: spec.runtimeSettings } : {}),
    ...(spec.tempDir ? { tempDir: spec.tempDir } : {}),
  };
}

export type JobPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface JobState {
  phase: JobPhase;
  /** Why the Job failed: which step, exit code or signal. */
  reason?: string;
}

export interface Executor {
  /** Starts the Job unless it already exists (idempotent). */
  ensure(job: JobSpec): Promise<void>;
  state(namespace: string, name: string): Promise<JobState | undefined>;
  delete(namespace: string, name: string): Promise<void>;
}
