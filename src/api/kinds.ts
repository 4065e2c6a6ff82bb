/**
 * Every kind Stowage understands, with what the CRD generator and the tables need:
 * group/version, plural, short names, scope, categories, printer columns, status subresource.
 * The values are Stash's (stash-spec §1.1) so `kubectl get bc`, `kubectl get stash` behave the same.
 */
import type { z } from 'zod';
import { appBinding } from './appcatalog/v1alpha1/app-binding.ts';
import { secret } from './core/v1/secret.ts';
import { repository } from './stash/v1alpha1/repository.ts';
import { backupConfiguration } from './stash/v1beta1/backup-configuration.ts';
import { backupSession } from './stash/v1beta1/backup-session.ts';
import { stashFunction } from './stash/v1beta1/function.ts';
import { restoreSession } from './stash/v1beta1/restore-session.ts';
import { task } from './stash/v1beta1/task.ts';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'date';
  jsonPath: string;
}

export interface KindInfo {
  kind: string;
  group: string;
  version: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  categories: string[];
  printerColumns: PrinterColumn[];
  hasStatus: boolean;
  /** True for kinds Stowage serves as CRDs (Secret is a core kind). */
  crd: boolean;
  schema: z.ZodType;
}

const STASH_CATEGORIES = ['stash', 'appscode'];
/** The kinds `kubectl get all` lists: the invokers, their sessions, and AppBindings. */
const WITH_ALL = [...STASH_CATEGORIES, 'all'];

const column = (name: string, type: PrinterColumn['type'], jsonPath: string): PrinterColumn => ({
  name,
  type,
  jsonPath,
});
const age = column('Age', 'date', '.metadata.creationTimestamp');
const phase = column('Phase', 'string', '.status.phase');
const duration = column('Duration', 'string', '.status.sessionDuration');

/** What differs between kinds; the rest follows Kubernetes' conventions. */
interface KindShape {
  /** The lower-case kind with an `s` unless said. */
  plural?: string;
  shortNames?: string[];
  /** Namespaced unless said. */
  scope?: KindInfo['scope'];
  categories?: string[];
  /** The columns before Age, which every kind ends with. */
  columns?: PrinterColumn[];
}

/** The schema of a kind names its apiVersion and kind (kindObject in meta.ts); nothing repeats them. */
type KindSchema = z.ZodObject<{ apiVersion: z.ZodLiteral<string>; kind: z.ZodLiteral<string> }>;

function kindInfo<S extends KindSchema>(schema: S, shape: KindShape = {}): KindInfo & { schema: S } {
  const apiVersion = schema.shape.apiVersion.value;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = schema.shape.kind.value;
  const singular = kind.toLowerCase();
  return {
    kind,
    group: group ?? '',
    version: version ?? '',
    plural: shape.plural ?? `${singular}s`,
    singular,
    shortNames: shape.shortNames ?? [],
    scope: shape.scope ?? 'Namespaced',
    categories: shape.categories ?? [],
    printerColumns: [...(shape.columns ?? []), age],
    // A kind with a status has the status subresource: only the controllers write it.
    hasStatus: 'status' in schema.shape,
    // Core kinds (no group) are the API server's own.
    crd: group !== '',
    schema,
  };
}

/** Stash's printer columns of each kind (before Age). */
const repositoryColumns = [
  column('Integrity', 'boolean', '.status.integrity'),
  column('Size', 'string', '.status.totalSize'),
  column('Snapshot-Count', 'integer', '.status.snapshotCount'),
  column('Last-Successful-Backup', 'date', '.status.lastBackupTime'),
];
const backupConfigurationColumns = [
  column('Task', 'string', '.spec.task.name'),
  column('Schedule', 'string', '.spec.schedule'),
  column('Paused', 'boolean', '.spec.paused'),
  phase,
];
const backupSessionColumns = [
  column('Invoker-Type', 'string', '.spec.invoker.kind'),
  column('Invoker-Name', 'string', '.spec.invoker.name'),
  phase,
  duration,
];

export const kinds = {
  Repository: kindInfo(repository, {
    plural: 'repositories',
    shortNames: ['repo'],
    categories: STASH_CATEGORIES,
    columns: repositoryColumns,
  }),
  BackupConfiguration: kindInfo(backupConfiguration, {
    shortNames: ['bc'],
    categories: WITH_ALL,
    columns: backupConfigurationColumns,
  }),
  BackupSession: kindInfo(backupSession, {
    categories: WITH_ALL,
    columns: backupSessionColumns,
  }),
  RestoreSession: kindInfo(restoreSession, {
    shortNames: ['restore'],
    categories: WITH_ALL,
    columns: [column('Repository', 'string', '.spec.repository.name'), phase, duration],
  }),
  Task: kindInfo(task, {
    shortNames: ['task'],
    scope: 'Cluster',
    categories: STASH_CATEGORIES,
  }),
  Function: kindInfo(stashFunction, {
    shortNames: ['fn'],
    scope: 'Cluster',
    categories: STASH_CATEGORIES,
  }),
  AppBinding: kindInfo(appBinding, {
    categories: ['catalog', 'appscode', 'all'],
    columns: [column('Type', 'string', '.spec.type'), column('Version', 'string', '.spec.version')],
  }),
  Secret: kindInfo(secret),
} satisfies Record<string, KindInfo>;

export type KindName = keyof typeof kinds;

export function apiVersionOf(info: KindInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Finds a kind by Kind, plural, singular or short name (case-insensitive), as kubectl does. */
export function lookupKind(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return Object.values(kinds).find(
    (k: KindInfo) =>
      k.kind.toLowerCase() === n || k.plural === n || k.singular === n || k.shortNames.includes(n),
  );
}
