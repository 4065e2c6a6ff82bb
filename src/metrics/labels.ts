/**
 * The label sets of the Stash metrics (stash-spec §5.2): invoker labels on everything, target
 * labels on target and host metrics, `hostname` on host metrics, repository labels on repository
 * metrics.
 */
import type { AppBinding, BackupConfiguration, Repository, RestoreSession, TargetRef } from '../api/index.ts';
import { backendProvider } from '../api/index.ts';
import { namespaceOf, nameOf } from '../api/well-known.ts';
import type { Driver } from '../core/backup-invoker-phase.ts';

export type Labels = Record<string, string>;

/** Who ran the session: the BackupConfiguration/BackupBatch or RestoreSession/RestoreBatch. */
export interface InvokerInfo {
  kind: string;
  name: string;
  namespace: string;
  /** Default `Restic`. */
  driver?: Driver;
  /** Repository name; empty for VolumeSnapshotter. */
  repository?: string;
}

/** A session target, with the AppBinding `spec.type` when the target is an AppBinding. */
export interface TargetInfo {
  ref: TargetRef;
  appBindingType?: string;
}

export function invokerLabels(invoker: InvokerInfo): Labels {
  return {
    invoker_kind: invoker.kind,
    invoker_name: invoker.name,
    namespace: invoker.namespace,
    driver: invoker.driver ?? 'Restic',
    repository: invoker.repository ?? '',
  };
}

/** `apps/v1` → `apps`; `v1` or nothing → `` (the core group). */
function apiGroup(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * `kind`, `group`, `name` of a target. An AppBinding is labelled by the application it binds
 * (`spec.type` split at the last `/`: `kubedb.com/elasticsearch` → kind `elasticsearch`, group
 * `kubedb.com`), or `appbindings` / `appcatalog.appscode.com` when it has no type.
 */
export function targetLabels(target: TargetInfo, driver: Driver = 'Restic'): Labels {
  const name = target.ref.name ?? '';
  if (driver === 'VolumeSnapshotter') return { kind: 'PersistentVolumeClaim', group: '', name };
  if (target.ref.kind === 'AppBinding') {
    const type = target.appBindingType ?? '';
    if (type === '') return { kind: 'appbindings', group: 'appcatalog.appscode.com', name };
    const slash = type.lastIndexOf('/');
    return slash < 0
      ? { kind: type, group: '', name }
      : { kind: type.slice(slash + 1), group: type.slice(0, slash), name };
  }
  return { kind: target.ref.kind ?? '', group: apiGroup(target.ref.apiVersion), name };
}

/** The labels of target gauges: the invoker's and the target's. */
export function invokerTargetLabels(invoker: InvokerInfo, target: TargetInfo): Labels {
  return { ...invokerLabels(invoker), ...targetLabels(target, invoker.driver) };
}

/** The labels of host gauges: the target gauges' and the host's name. */
export function hostLabels(invoker: InvokerInfo, target: TargetInfo, host: { hostname?: string }): Labels {
  return { ...invokerTargetLabels(invoker, target), hostname: host.hostname ?? '' };
}

/** Bucket and prefix of a Repository backend, for the repository metric labels. */
function backendBucketAndPrefix(backend: Repository['spec']['backend']): {
  bucket: string;
  prefix: string;
} {
  if (backend.s3) return { bucket: backend.s3.bucket, prefix: backend.s3.prefix ?? '' };
  if (backend.gcs) return { bucket: backend.gcs.bucket, prefix: backend.gcs.prefix ?? '' };
  if (backend.b2) return { bucket: backend.b2.bucket, prefix: backend.b2.prefix ?? '' };
  if (backend.azure) return { bucket: backend.azure.container, prefix: backend.azure.prefix ?? '' };
  if (backend.swift) return { bucket: backend.swift.container, prefix: backend.swift.prefix ?? '' };
  if (backend.local) {
    const sub = backend.local.subPath?.replace(/^\/+/, '') ?? '';
    return {
      bucket: '',
      prefix: sub ? `${backend.local.mountPath.replace(/\/+$/, '')}/${sub}` : backend.local.mountPath,
    };
  }
  return { bucket: '', prefix: '' };
}

/** Invoker labels + `name`, `namespace` (the repository's), `backend`, `bucket`, and `prefix` if set. */
export function repositoryLabels(repository: Repository, invoker: InvokerInfo): Labels {
  const { bucket, prefix } = backendBucketAndPrefix(repository.spec.backend);
  const labels: Labels = {
    ...invokerLabels(invoker),
    name: repository.metadata.name ?? '',
    namespace: repository.metadata.namespace ?? invoker.namespace,
    backend: backendProvider(repository.spec.backend),
    bucket,
  };
  if (prefix !== '') labels.prefix = prefix;
  return labels;
}

/** The Pushgateway job (the only grouping key): `<lower(invokerKind)>-<namespace>-<name>`. */
export function metricsJobName(invoker: Pick<InvokerInfo, 'kind' | 'name' | 'namespace'>): string {
  return `${invoker.kind.toLowerCase()}-${invoker.namespace}-${invoker.name}`;
}

/** An invoker names its driver and its Repository the same way, whatever its kind. */
function invokerOf(kind: string, invoker: BackupConfiguration | RestoreSession): InvokerInfo {
  return {
    kind,
    name: nameOf(invoker),
    namespace: namespaceOf(invoker),
    driver: invoker.spec.driver,
    repository: invoker.spec.repository?.name ?? '',
  };
}

export const backupConfigurationInvoker = (config: BackupConfiguration): InvokerInfo =>
  invokerOf('BackupConfiguration', config);

/** A RestoreSession is its own invoker. */
export const restoreSessionInvoker = (session: RestoreSession): InvokerInfo =>
  invokerOf('RestoreSession', session);

/** Target info for an AppBinding target, carrying its `spec.type`. */
export function appBindingTarget(
  ref: TargetRef,
  appBinding: Pick<AppBinding, 'spec'> | undefined,
): TargetInfo {
  const type = appBinding?.spec.type;
  return type === undefined ? { ref } : { ref, appBindingType: type };
}
