/**
 * The PostgreSQL part of the Stash-compatible catalog: `postgres-backup-<v>` / `postgres-restore-<v>`
 * Tasks and Functions for every version KubeDB writes into its AppBindings, so those names resolve
 * to Stowage. hack/gen-catalog.ts writes them to deploy/catalog/.
 *
 * Versions: the PostgreSQL addon versions Stash lists in its docs front matter (`info.postgres`:
 * 9.6.19, 10.14, 11.9, 12.4, 13.1, 14.0, 15.1, 16.1, 17.2 — stash.run/docs/v2025.10.17, e.g.
 * https://stash.run/docs/v2025.10.17/addons/kubedump/); KubeDB's PostgresVersion objects name the
 * Tasks without the image suffix (`spec.stash.addon.backupTask.name: postgres-backup-15.1`, KubeDB
 * Postgres backup guides). One image serves every version: the dump tools in it are the newest
 * major, and pg_dump reads servers of older majors.
 */
import type { StashFunction, Task } from '../../api/index.ts';

export const POSTGRES_ADDON_VERSIONS = [
  '9.6.19',
  '10.14',
  '11.9',
  '12.4',
  '13.1',
  '14.0',
  '15.1',
  '16.1',
  '17.2',
] as const;

/** Where the step's output.json goes; the update-status step reads it from there. */
export const OUTPUT_DIR = '/stash-tmp/output';

/** Flags every in-job step that talks to the repository gets (Stash's variable names). */
export const REPOSITORY_FLAGS = [
  '--provider=${REPOSITORY_PROVIDER:=}',
  '--bucket=${REPOSITORY_BUCKET:=}',
  '--endpoint=${REPOSITORY_ENDPOINT:=}',
  '--region=${REPOSITORY_REGION:=}',
  '--path=${REPOSITORY_PREFIX:=}',
  '--storage-secret-name=${REPOSITORY_SECRET_NAME:=}',
  '--storage-secret-namespace=${REPOSITORY_SECRET_NAMESPACE:=}',
  '--scratch-dir=/stash-tmp',
  '--enable-cache=${ENABLE_CACHE:=true}',
  '--max-connections=${MAX_CONNECTIONS:=0}',
  '--wait-timeout=${waitTimeout:=300}',
];

export function postgresBackupFunction(version: string, image: string): StashFunction {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'Function',
    metadata: { name: `postgres-backup-${version}` },
    spec: {
      image,
      args: [
        'backup',
        'postgres',
        ...REPOSITORY_FLAGS,
        '--hostname=${HOSTNAME:=}',
        '--namespace=${NAMESPACE:=default}',
        '--appbinding=${TARGET_NAME:=}',
        '--appbinding-namespace=${TARGET_NAMESPACE:=}',
        '--backupsession=${BACKUP_SESSION:=}',
        '--repository=${REPOSITORY_NAME:=}',
        '--repository-namespace=${REPOSITORY_NAMESPACE:=}',
        '--args=${args:=}',
        '--backup-cmd=${backupCMD:=}',
        '--user=${user:=}',
        '--databases=${databases:=}',
        '--output-dir=${outputDir:=}',
      ],
    },
  };
}

export function postgresRestoreFunction(version: string, image: string): StashFunction {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'Function',
    metadata: { name: `postgres-restore-${version}` },
    spec: {
      image,
      args: [
        'restore',
        'postgres',
        ...REPOSITORY_FLAGS,
        '--hostname=${HOSTNAME:=}',
        '--source-hostname=${SOURCE_HOSTNAME:=}',
        '--namespace=${NAMESPACE:=default}',
        '--appbinding=${TARGET_NAME:=}',
        '--appbinding-namespace=${TARGET_NAMESPACE:=}',
        '--restoresession=${RESTORE_SESSION:=}',
        '--repository=${REPOSITORY_NAME:=}',
        '--repository-namespace=${REPOSITORY_NAMESPACE:=}',
        '--snapshot=${RESTORE_SNAPSHOTS:=latest}',
        '--args=${args:=}',
        '--backup-cmd=${backupCMD:=}',
        '--user=${user:=}',
        '--databases=${databases:=}',
        '--output-dir=${outputDir:=}',
      ],
    },
  };
}

function postgresTask(direction: 'backup' | 'restore', version: string): Task {
  const params = [{ name: 'outputDir', value: OUTPUT_DIR }];
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'Task',
    metadata: { name: `postgres-${direction}-${version}` },
    spec: {
      steps: [
        { name: `postgres-${direction}-${version}`, params },
        { name: 'update-status', params },
      ],
    },
  };
}

/** Every PostgreSQL catalog object, Functions then Tasks, versions in the list's order. */
export function postgresCatalog(
  image: string,
  versions: readonly string[] = POSTGRES_ADDON_VERSIONS,
): Array<StashFunction | Task> {
  return [
    ...versions.flatMap((v) => [postgresBackupFunction(v, image), postgresRestoreFunction(v, image)]),
    ...versions.flatMap((v) => [postgresTask('backup', v), postgresTask('restore', v)]),
  ];
}
