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
import { addonCatalog, REPOSITORY_FLAGS, sessionFlags } from '../catalog-common.ts';

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
        ...sessionFlags('backup'),
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
        ...sessionFlags('restore'),
        '--args=${args:=}',
        '--backup-cmd=${backupCMD:=}',
        '--user=${user:=}',
        '--databases=${databases:=}',
        '--output-dir=${outputDir:=}',
      ],
    },
  };
}

/** Every PostgreSQL catalog object, Functions then Tasks, versions in the list's order. */
export function postgresCatalog(
  image: string,
  versions: readonly string[] = POSTGRES_ADDON_VERSIONS,
): Array<StashFunction | Task> {
  return addonCatalog('postgres', versions, (v) => [
    postgresBackupFunction(v, image),
    postgresRestoreFunction(v, image),
  ]);
}
