/**
 * The label sets of the Stash metrics (stash-spec §5.2): invoker labels on everything, target
 * labels on target and host metrics, `hostname` on host metrics, repository labels on repository
 * metrics. User labels (`--metrics-labels k=v`) come first; Stash's own labels win on a clash.
 */
import type { AppBinding, BackupConfiguration, Repository, RestoreSession, TargetRef } from '../api/index.ts';
import { backendProvider } from '../api/index.ts';
import { StowageError, ValidationError } from '../errors.ts';
import { namespaceOf } from '../api/well-known.ts';

export type Labels = Record<string, string>;
export type Driver = 'Restic' | 'VolumeSnapshotter';

/** Who ran the session: the BackupConfiguration/BackupBatch or RestoreSession/RestoreBatch. */
export interface InvokerInfo {
  kind: string;
  name: string;
  namespace: string;
  /** Default `Restic`. */
  driver?: Driver;
  /** Repository name; empty for VolumeSnapshotter. */
  repository?: string;
  /** User labels from `--metrics-labels`. */
  extraLabels?: Labels;
}

/** A session target, with the AppBinding `spec.type` when the target is an AppBinding. */
export interface TargetInfo {
  ref: TargetRef;
  appBindingType?: string;
}

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses `--metrics-labels` values (`k=v`, or several comma-separated) into labels. */
export function parseMetricsLabels(values: readonly string[]): Labels {
  const labels: Labels = {};
  const issues: { path: string; message: string }[] = [];
  for (const [i, value] of values.entries()) {
    for (const pair of value.split(',').filter((p) => p.trim() !== '')) {
      const eq = pair.indexOf('=');
      const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
      if (eq < 0 || !labelName.test(key) || key.startsWith('__')) {
        issues.push({
          path: `metrics-labels[${i}]`,
          message: `"${pair}" is not key=value with a Prometheus label name`,
        });
        continue;
      }
      labels[key] = pair.slice(eq + 1).trim();
    }
  }
  if (issues.length > 0) throw new ValidationError('--metrics-labels', issues);
  return labels;
}

function checkExtraLabels(extra: Labels | undefined): Labels {
  if (!extra) return {};
  for (const key of Object.keys(extra)) {
    if (!labelName.test(key) || key.startsWith('__')) {
      throw new StowageError('INVALID_INPUT', `metrics label "${key}" is not a valid Prometheus label name`, {
        details: { label: key },
      });
    }
  }
  return extra;
}

export function invokerLabels(invoker: InvokerInfo): Labels {
  return {
    ...checkExtraLabels(invoker.extraLabels),
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

/** Bucket and prefix of a Repository backend, for the repository metric labels. */
export function backendBucketAndPrefix(backend: Repository['spec']['backend']): {
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

/** Invoker info of a BackupConfiguration. */
export function backupConfigurationInvoker(config: BackupConfiguration, extraLabels?: Labels): InvokerInfo {
  return {
    kind: 'BackupConfiguration',
    name: config.metadata.name ?? '',
    namespace: namespaceOf(config),
    driver: config.spec.driver,
    repository: config.spec.repository?.name ?? '',
    ...(extraLabels ? { extraLabels } : {}),
  };
}

/** Invoker info of a RestoreSession (it is its own invoker). */
export function restoreSessionInvoker(session: RestoreSession, extraLabels?: Labels): InvokerInfo {
  return {
    kind: 'RestoreSession',
    name: session.metadata.name ?? '',
    namespace: namespaceOf(session),
    driver: session.spec.driver,
    repository: session.spec.repository?.name ?? '',
    ...(extraLabels ? { extraLabels } : {}),
  };
}

/** Target info for an AppBinding target, carrying its `spec.type`. */
export function appBindingTarget(
  ref: TargetRef,
  appBinding: Pick<AppBinding, 'spec'> | undefined,
): TargetInfo {
  const type = appBinding?.spec.type;
  return type === undefined ? { ref } : { ref, appBindingType: type };
}
