/**
 * The `${VAR}` inputs Stash gives Tasks and Functions (stash-spec §3.4). Every name and rule is
 * Stash's; invoker task params are applied last, so they override operator variables.
 *
 * Where the spec says "only when set/applicable" the key is omitted otherwise (REPOSITORY_SECRET_*,
 * DRIVER_ARGS, RETENTION_*). REPOSITORY_ENDPOINT/REGION are always present (empty when the provider
 * has none) because the built-in update-status Function passes them for every provider.
 */
import type {
  Backend,
  BackupConfiguration,
  Param,
  Provider,
  Repository,
  RestoreSession,
  RetentionPolicy,
  Rule,
} from '../api/index.ts';
import { backendProvider } from '../api/index.ts';
import { hostnameFor } from './hostname.ts';
import { INTERIM_DATA_DIR, TMP_INTERIM_DATA_DIR } from './job-volumes.ts';
import { RETENTION_KEEP_COUNTS, retentionFlags } from './retention.ts';

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

const DEFAULT_TARGET_PATH = '/stash-data';

type Vars = Record<string, string>;

/** Where a backend keeps its data, in the terms of the REPOSITORY_* variables. */
interface StorageLocation {
  bucket: string;
  prefix: string;
  endpoint: string;
  region: string;
  insecureTLS: boolean;
  maxConnections: number;
}

const NOWHERE: StorageLocation = {
  bucket: '',
  prefix: '',
  endpoint: '',
  region: '',
  insecureTLS: false,
  maxConnections: 0,
};

/** Go url.Parse Host (with port) and decoded Path ("" when the URL has none). */
function restUrlParts(raw: string): { bucket: string; prefix: string } {
  try {
    const u = new URL(raw);
    const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(raw);
    return { bucket: u.host, prefix: hasPath ? decodeURIComponent(u.pathname) : '' };
  } catch {
    return { bucket: '', prefix: '' };
  }
}

/** Each provider's fields, as Stash maps them onto bucket/prefix/endpoint (a rest URL is split). */
const locationOf: { [P in Provider]: (b: Backend) => StorageLocation } = {
  local: ({ local }) => ({ ...NOWHERE, bucket: local?.mountPath ?? '' }),
  s3: ({ s3 }) => ({
    ...NOWHERE,
    bucket: s3?.bucket ?? '',
    prefix: s3?.prefix ?? '',
    endpoint: s3?.endpoint ?? '',
    region: s3?.region ?? '',
    insecureTLS: s3?.insecureTLS ?? false,
  }),
  gcs: ({ gcs }) => ({
    ...NOWHERE,
    bucket: gcs?.bucket ?? '',
    prefix: gcs?.prefix ?? '',
    maxConnections: gcs?.maxConnections ?? 0,
  }),
  azure: ({ azure }) => ({
    ...NOWHERE,
    bucket: azure?.container ?? '',
    prefix: azure?.prefix ?? '',
    maxConnections: azure?.maxConnections ?? 0,
  }),
  swift: ({ swift }) => ({ ...NOWHERE, bucket: swift?.container ?? '', prefix: swift?.prefix ?? '' }),
  b2: ({ b2 }) => ({
    ...NOWHERE,
    bucket: b2?.bucket ?? '',
    prefix: b2?.prefix ?? '',
    maxConnections: b2?.maxConnections ?? 0,
  }),
  rest: ({ rest }) => ({ ...NOWHERE, ...restUrlParts(rest?.url ?? ''), endpoint: rest?.url ?? '' }),
};

/** REPOSITORY_* and MAX_CONNECTIONS for one Repository. */
export function repositoryVariables(repository: Repository, defaultNamespace: string): Vars {
  const b = repository.spec.backend;
  const provider = backendProvider(b);
  const at = locationOf[provider](b);
  const namespace = repository.metadata.namespace ?? defaultNamespace;
  return {
    REPOSITORY_NAME: repository.metadata.name ?? '',
    REPOSITORY_NAMESPACE: namespace,
    REPOSITORY_PROVIDER: provider,
    REPOSITORY_BUCKET: at.bucket,
    REPOSITORY_PREFIX: at.prefix,
    REPOSITORY_ENDPOINT: at.endpoint,
    REPOSITORY_REGION: at.region,
    REPOSITORY_INSECURE_TLS: String(at.insecureTLS),
    MAX_CONNECTIONS: String(at.maxConnections),
    ...(b.storageSecretName
      ? { REPOSITORY_SECRET_NAME: b.storageSecretName, REPOSITORY_SECRET_NAMESPACE: namespace }
      : {}),
  };
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

/** What a backup and a restore Job are both given. */
interface JobVariablesInput {
  repository: Repository;
  operator: OperatorSettings;
  /** Invoker task params after merging with the AppBinding addon params; default spec.task.params. */
  taskParams?: readonly Param[];
  /** Whether an interim PVC is mounted; default: spec.interimVolumeTemplate is set. */
  interim?: boolean;
}

/**
 * The variables backup and restore share, then the invoker kind's `own`, then the task params
 * (last, so that they override everything).
 */
function jobVariables(
  invoker: BackupConfiguration | RestoreSession,
  input: JobVariablesInput,
  own: Vars,
): Vars {
  const { metadata, spec } = invoker;
  const namespace = metadata.namespace ?? '';
  const target = spec.target;
  const interim = input.interim ?? spec.interimVolumeTemplate !== undefined;
  const vars: Vars = {
    ...repositoryVariables(input.repository, namespace),
    ...operatorVariables(input.operator, invoker.kind, metadata.name ?? '', namespace),
    ...targetRefVariables(target?.ref, namespace),
    TARGET_MOUNT_PATH: firstMountPath(target?.volumeMounts),
    ENABLE_CACHE: String(!spec.tempDir?.disableCaching),
    INTERIM_DATA_DIR: interim ? INTERIM_DATA_DIR : TMP_INTERIM_DATA_DIR,
    ...(target?.args?.length ? { DRIVER_ARGS: target.args.join(' ') } : {}),
    ...own,
  };
  return applyParams(vars, input.taskParams ?? spec.task?.params);
}

/** RETENTION_* for the counts, tags and switches the policy sets (as `restic forget` gets them). */
function retentionVariables(policy: RetentionPolicy): Vars {
  const flags = retentionFlags(policy);
  const vars: Vars = {};
  for (const key of RETENTION_KEEP_COUNTS) {
    const count = flags[key];
    // keepLast → RETENTION_KEEP_LAST
    if (count !== undefined) vars[`RETENTION_${key.replace(/[A-Z]/g, '_$&').toUpperCase()}`] = String(count);
  }
  if (flags.keepTags) vars['RETENTION_KEEP_TAGS'] = flags.keepTags.join(',');
  if (flags.prune) vars['RETENTION_PRUNE'] = 'true';
  if (flags.dryRun) vars['RETENTION_DRY_RUN'] = 'true';
  return vars;
}

export interface BackupVariablesInput extends JobVariablesInput {
  invoker: BackupConfiguration;
  backupSessionName: string;
  /** restic host; default per §3.5 for the invoker's target. */
  hostname?: string;
}

export function backupVariables(input: BackupVariablesInput): Vars {
  const spec = input.invoker.spec;
  const target = spec.target;
  return jobVariables(input.invoker, input, {
    TARGET_PATHS: target?.paths?.length ? target.paths.join(',') : DEFAULT_TARGET_PATH,
    EXCLUDE_PATTERNS: (target?.exclude ?? []).join(','),
    HOSTNAME: input.hostname ?? hostnameFor(target),
    BACKUP_SESSION: input.backupSessionName,
    ...retentionVariables(spec.retentionPolicy),
  });
}

export interface RestoreVariablesInput extends JobVariablesInput {
  invoker: RestoreSession;
  /** The restoring host; default the target alias (may be ""), per §3.4. */
  hostname?: string;
  /** Set when restoring one ordinal of volumeClaimTemplates. */
  podOrdinal?: number;
}

/** The rule for a host: one listing it in targetHosts, else the catch-all rule (empty targetHosts). */
function matchRestoreRule(rules: readonly Rule[] | undefined, hostname: string): Rule | undefined {
  return (
    rules?.find((r) => r.targetHosts?.includes(hostname)) ??
    rules?.find((r) => !r.targetHosts || r.targetHosts.length === 0)
  );
}

/** What the restore rule matching `hostname` restores, and from which host's snapshots. */
function ruleVariables(rule: Rule | undefined, hostname: string): Vars {
  return {
    EXCLUDE_PATTERNS: (rule?.exclude ?? []).join(','),
    INCLUDE_PATTERNS: (rule?.include ?? []).join(','),
    RESTORE_PATHS: (rule?.paths ?? []).join(','),
    RESTORE_SNAPSHOTS: (rule?.snapshots ?? []).join(','),
    HOSTNAME: hostname,
    SOURCE_HOSTNAME: rule?.sourceHost || hostname,
  };
}

/** A restore into volumeClaimTemplates names its target by the first template (no ref name). */
function claimTemplateTarget(target: RestoreSession['spec']['target']): Vars {
  if (target?.ref.name || !target?.volumeClaimTemplates?.length) return {};
  const meta = target.volumeClaimTemplates[0]?.['metadata'];
  const first =
    typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['name'] : undefined;
  return typeof first === 'string' && first !== '' ? { TARGET_NAME: first } : {};
}

export function restoreVariables(input: RestoreVariablesInput): Vars {
  const { metadata, spec } = input.invoker;
  const target = spec.target;
  const hostname = input.hostname ?? target?.alias ?? '';
  return jobVariables(input.invoker, input, {
    ...claimTemplateTarget(target),
    TARGET_APP_REPLICAS: String(target?.replicas ?? 1),
    ...ruleVariables(matchRestoreRule(target?.rules ?? spec.rules, hostname), hostname),
    RESTORE_SESSION: metadata.name ?? '',
    ...(input.podOrdinal !== undefined ? { POD_ORDINAL: String(input.podOrdinal) } : {}),
  });
}
