/**
 * The `${VAR}` inputs Stash gives Tasks and Functions (stash-spec §3.4). Every name and rule is
 * Stash's; invoker task params are applied last, so they override operator variables.
 *
 * Where the spec says "only when set/applicable" the key is omitted otherwise (REPOSITORY_SECRET_*,
 * DRIVER_ARGS, RETENTION_*). REPOSITORY_ENDPOINT/REGION are always present (empty when the provider
 * has none) because the built-in update-status Function passes them for every provider.
 */
import type { BackupConfiguration, Param, Repository, RestoreSession, Rule } from '../api/index.ts';
import { backendProvider } from '../api/index.ts';
import { hostnameFor } from './hostname.ts';
import { INTERIM_DATA_DIR, TMP_INTERIM_DATA_DIR } from './job-volumes.ts';

export interface ImageParts {
  registry: string;
  image: string;
  tag: string;
}

/** What the operator knows about itself. */
export interface OperatorSettings {
  image: ImageParts;
  pushgatewayUrl: string;
  licenseApiService?: string;
}

export const DEFAULT_TARGET_PATH = '/stash-data';

type Vars = Record<string, string>;

interface RestUrlParts {
  host: string;
  path: string;
}

/** Go url.Parse Host (with port) and decoded Path ("" when the URL has none). */
function restUrlParts(raw: string): RestUrlParts {
  try {
    const u = new URL(raw);
    const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(raw);
    return { host: u.host, path: hasPath ? decodeURIComponent(u.pathname) : '' };
  } catch {
    return { host: '', path: '' };
  }
}

/** REPOSITORY_* and MAX_CONNECTIONS for one Repository. */
export function repositoryVariables(repository: Repository, defaultNamespace: string): Vars {
  const b = repository.spec.backend;
  const provider = backendProvider(b);
  const namespace = repository.metadata.namespace ?? defaultNamespace;
  let bucket = '';
  let prefix = '';
  let endpoint = '';
  let region = '';
  let insecureTLS = false;
  let maxConnections = 0;
  switch (provider) {
    case 'local':
      bucket = b.local?.mountPath ?? '';
      break;
    case 's3':
      bucket = b.s3?.bucket ?? '';
      prefix = b.s3?.prefix ?? '';
      endpoint = b.s3?.endpoint ?? '';
      region = b.s3?.region ?? '';
      insecureTLS = b.s3?.insecureTLS ?? false;
      break;
    case 'gcs':
      bucket = b.gcs?.bucket ?? '';
      prefix = b.gcs?.prefix ?? '';
      maxConnections = b.gcs?.maxConnections ?? 0;
      break;
    case 'azure':
      bucket = b.azure?.container ?? '';
      prefix = b.azure?.prefix ?? '';
      maxConnections = b.azure?.maxConnections ?? 0;
      break;
    case 'swift':
      bucket = b.swift?.container ?? '';
      prefix = b.swift?.prefix ?? '';
      break;
    case 'b2':
      bucket = b.b2?.bucket ?? '';
      prefix = b.b2?.prefix ?? '';
      maxConnections = b.b2?.maxConnections ?? 0;
      break;
    case 'rest': {
      const url = b.rest?.url ?? '';
      ({ host: bucket, path: prefix } = restUrlParts(url));
      endpoint = url;
      break;
    }
  }
  const vars: Vars = {
    REPOSITORY_NAME: repository.metadata.name ?? '',
    REPOSITORY_NAMESPACE: namespace,
    REPOSITORY_PROVIDER: provider,
    REPOSITORY_BUCKET: bucket,
    REPOSITORY_PREFIX: prefix,
    REPOSITORY_ENDPOINT: endpoint,
    REPOSITORY_REGION: region,
    REPOSITORY_INSECURE_TLS: String(insecureTLS),
    MAX_CONNECTIONS: String(maxConnections),
  };
  if (b.storageSecretName) {
    vars['REPOSITORY_SECRET_NAME'] = b.storageSecretName;
    vars['REPOSITORY_SECRET_NAMESPACE'] = namespace;
  }
  return vars;
}

function operatorVariables(
  op: OperatorSettings,
  invokerKind: string,
  invokerName: string,
  namespace: string,
): Vars {
  return {
    NAMESPACE: namespace,
    INVOKER_KIND: invokerKind,
    INVOKER_NAME: invokerName,
    STASH_DOCKER_REGISTRY: op.image.registry,
    STASH_DOCKER_IMAGE: op.image.image,
    STASH_IMAGE_TAG: op.image.tag,
    LICENSE_APISERVICE: op.licenseApiService ?? '',
    PROMETHEUS_PUSHGATEWAY_URL: op.pushgatewayUrl,
    PROMETHEUS_JOB_NAME: invokerName,
  };
}

function firstMountPath(mounts: readonly Record<string, unknown>[] | undefined): string {
  const p = mounts?.[0]?.['mountPath'];
  return typeof p === 'string' && p !== '' ? p : DEFAULT_TARGET_PATH;
}

function applyParams(vars: Vars, params: readonly Param[] | undefined): Vars {
  for (const p of params ?? []) vars[p.name] = p.value;
  return vars;
}

function targetRefVariables(
  ref: { kind?: string; name?: string; namespace?: string } | undefined,
  defaultNamespace: string,
): Vars {
  const vars: Vars = {};
  if (ref?.kind) vars['TARGET_KIND'] = ref.kind;
  if (ref?.name) vars['TARGET_NAME'] = ref.name;
  const ns = ref?.namespace || (ref ? defaultNamespace : '');
  if (ns) vars['TARGET_NAMESPACE'] = ns;
  return vars;
}

export interface BackupVariablesInput {
  repository: Repository;
  invoker: BackupConfiguration;
  backupSessionName: string;
  operator: OperatorSettings;
  /** restic host; default per §3.5 for the invoker's target. */
  hostname?: string;
  /** Invoker task params after merging with the AppBinding addon params; default spec.task.params. */
  taskParams?: readonly Param[];
  /** Whether an interim PVC is mounted; default: spec.interimVolumeTemplate is set. */
  interim?: boolean;
}

export function backupVariables(input: BackupVariablesInput): Vars {
  const bc = input.invoker;
  const spec = bc.spec;
  const namespace = bc.metadata.namespace ?? '';
  const name = bc.metadata.name ?? '';
  const target = spec.target;
  const vars: Vars = {
    ...repositoryVariables(input.repository, namespace),
    ...operatorVariables(input.operator, 'BackupConfiguration', name, namespace),
    ...targetRefVariables(target?.ref, namespace),
    TARGET_PATHS: target?.paths?.length ? target.paths.join(',') : DEFAULT_TARGET_PATH,
    TARGET_MOUNT_PATH: firstMountPath(target?.volumeMounts),
    EXCLUDE_PATTERNS: (target?.exclude ?? []).join(','),
    HOSTNAME: input.hostname ?? hostnameFor(target),
    ENABLE_CACHE: String(!spec.tempDir?.disableCaching),
    INTERIM_DATA_DIR:
      (input.interim ?? spec.interimVolumeTemplate !== undefined) ? INTERIM_DATA_DIR : TMP_INTERIM_DATA_DIR,
    BACKUP_SESSION: input.backupSessionName,
  };
  if (target?.args?.length) vars['DRIVER_ARGS'] = target.args.join(' ');
  const rp = spec.retentionPolicy;
  const keep = [
    ['RETENTION_KEEP_LAST', rp.keepLast],
    ['RETENTION_KEEP_HOURLY', rp.keepHourly],
    ['RETENTION_KEEP_DAILY', rp.keepDaily],
    ['RETENTION_KEEP_WEEKLY', rp.keepWeekly],
    ['RETENTION_KEEP_MONTHLY', rp.keepMonthly],
    ['RETENTION_KEEP_YEARLY', rp.keepYearly],
  ] as const;
  for (const [k, v] of keep) if (v !== undefined && v > 0) vars[k] = String(v);
  if (rp.keepTags?.length) vars['RETENTION_KEEP_TAGS'] = rp.keepTags.join(',');
  if (rp.prune) vars['RETENTION_PRUNE'] = 'true';
  if (rp.dryRun) vars['RETENTION_DRY_RUN'] = 'true';
  return applyParams(vars, input.taskParams ?? spec.task?.params);
}

export interface RestoreVariablesInput {
  repository: Repository;
  invoker: RestoreSession;
  operator: OperatorSettings;
  /** The restoring host; default the target alias (may be ""), per §3.4. */
  hostname?: string;
  taskParams?: readonly Param[];
  interim?: boolean;
  /** Set when restoring one ordinal of volumeClaimTemplates. */
  podOrdinal?: number;
}

/** The rule for a host: one listing it in targetHosts, else the catch-all rule (empty targetHosts). */
export function matchRestoreRule(rules: readonly Rule[] | undefined, hostname: string): Rule | undefined {
  return (
    rules?.find((r) => r.targetHosts?.includes(hostname)) ??
    rules?.find((r) => !r.targetHosts || r.targetHosts.length === 0)
  );
}

export function restoreVariables(input: RestoreVariablesInput): Vars {
  const rs = input.invoker;
  const spec = rs.spec;
  const namespace = rs.metadata.namespace ?? '';
  const name = rs.metadata.name ?? '';
  const target = spec.target;
  const hostname = input.hostname ?? target?.alias ?? '';
  const rule = matchRestoreRule(target?.rules ?? spec.rules, hostname);
  const refVars = targetRefVariables(target?.ref, namespace);
  if (!target?.ref.name && target?.volumeClaimTemplates?.length) {
    const meta = target.volumeClaimTemplates[0]?.['metadata'];
    const first =
      typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['name'] : undefined;
    if (typeof first === 'string' && first !== '') refVars['TARGET_NAME'] = first;
  }
  const vars: Vars = {
    ...repositoryVariables(input.repository, namespace),
    ...operatorVariables(input.operator, 'RestoreSession', name, namespace),
    ...refVars,
    TARGET_MOUNT_PATH: firstMountPath(target?.volumeMounts),
    TARGET_APP_REPLICAS: String(target?.replicas ?? 1),
    EXCLUDE_PATTERNS: (rule?.exclude ?? []).join(','),
    INCLUDE_PATTERNS: (rule?.include ?? []).join(','),
    RESTORE_PATHS: (rule?.paths ?? []).join(','),
    RESTORE_SNAPSHOTS: (rule?.snapshots ?? []).join(','),
    HOSTNAME: hostname,
    SOURCE_HOSTNAME: rule?.sourceHost || hostname,
    ENABLE_CACHE: String(!spec.tempDir?.disableCaching),
    INTERIM_DATA_DIR:
      (input.interim ?? spec.interimVolumeTemplate !== undefined) ? INTERIM_DATA_DIR : TMP_INTERIM_DATA_DIR,
    RESTORE_SESSION: name,
  };
  if (target?.args?.length) vars['DRIVER_ARGS'] = target.args.join(' ');
  if (input.podOrdinal !== undefined) vars['POD_ORDINAL'] = String(input.podOrdinal);
  return applyParams(vars, input.taskParams ?? spec.task?.params);
}
