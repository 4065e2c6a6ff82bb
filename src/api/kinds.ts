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

export interface PrinterColumn {
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

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const stashCats = ['stash', 'appscode'];

export const kinds = {
  Repository: {
    kind: 'Repository',
    group: 'stash.appscode.com',
    version: 'v1alpha1',
    plural: 'repositories',
    singular: 'repository',
    shortNames: ['repo'],
    scope: 'Namespaced',
    categories: stashCats,
    hasStatus: true,
    crd: true,
    schema: repository,
    printerColumns: [
      { name: 'Integrity', type: 'boolean', jsonPath: '.status.integrity' },
      { name: 'Size', type: 'string', jsonPath: '.status.totalSize' },
      { name: 'Snapshot-Count', type: 'integer', jsonPath: '.status.snapshotCount' },
      { name: 'Last-Successful-Backup', type: 'date', jsonPath: '.status.lastBackupTime' },
      age,
    ],
  },
  BackupConfiguration: {
    kind: 'BackupConfiguration',
    group: 'stash.appscode.com',
    version: 'v1beta1',
    plural: 'backupconfigurations',
    singular: 'backupconfiguration',
    shortNames: ['bc'],
    scope: 'Namespaced',
    categories: [...stashCats, 'all'],
    hasStatus: true,
    crd: true,
    schema: backupConfiguration,
    printerColumns: [
      { name: 'Task', type: 'string', jsonPath: '.spec.task.name' },
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
      { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      age,
    ],
  },
  BackupSession: {
    kind: 'BackupSession',
    group: 'stash.appscode.com',
    version: 'v1beta1',
    plural: 'backupsessions',
    singular: 'backupsession',
    shortNames: [],
    scope: 'Namespaced',
    categories: [...stashCats, 'all'],
    hasStatus: true,
    crd: true,
    schema: backupSession,
    printerColumns: [
      { name: 'Invoker-Type', type: 'string', jsonPath: '.spec.invoker.kind' },
      { name: 'Invoker-Name', type: 'string', jsonPath: '.spec.invoker.name' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Duration', type: 'string', jsonPath: '.status.sessionDuration' },
      age,
    ],
  },
  RestoreSession: {
    kind: 'RestoreSession',
    group: 'stash.appscode.com',
    version: 'v1beta1',
    plural: 'restoresessions',
    singular: 'restoresession',
    shortNames: ['restore'],
    scope: 'Namespaced',
    categories: [...stashCats, 'all'],
    hasStatus: true,
    crd: true,
    schema: restoreSession,
    printerColumns: [
      { name: 'Repository', type: 'string', jsonPath: '.spec.repository.name' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Duration', type: 'string', jsonPath: '.status.sessionDuration' },
      age,
    ],
  },
  Task: {
    kind: 'Task',
    group: 'stash.appscode.com',
    version: 'v1beta1',
    plural: 'tasks',
    singular: 'task',
    shortNames: ['task'],
    scope: 'Cluster',
    categories: stashCats,
    hasStatus: false,
    crd: true,
    schema: task,
    printerColumns: [age],
  },
  Function: {
    kind: 'Function',
    group: 'stash.appscode.com',
    version: 'v1beta1',
    plural: 'functions',
    singular: 'function',
    shortNames: ['fn'],
    scope: 'Cluster',
    categories: stashCats,
    hasStatus: false,
    crd: true,
    schema: stashFunction,
    printerColumns: [age],
  },
  AppBinding: {
    kind: 'AppBinding',
    group: 'appcatalog.appscode.com',
    version: 'v1alpha1',
    plural: 'appbindings',
    singular: 'appbinding',
    shortNames: [],
    scope: 'Namespaced',
    categories: ['catalog', 'appscode', 'all'],
    hasStatus: false,
    crd: true,
    schema: appBinding,
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
      age,
    ],
  },
  Secret: {
    kind: 'Secret',
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    shortNames: [],
    scope: 'Namespaced',
    categories: [],
    hasStatus: false,
    crd: false,
    schema: secret,
    printerColumns: [age],
  },
} as const satisfies Record<string, KindInfo>;

export type KindName = keyof typeof kinds;
export const kindNames = Object.keys(kinds) as KindName[];

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
