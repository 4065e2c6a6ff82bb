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
import { addonCatalog } from '../catalog-common.ts';

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

/** Every PostgreSQL catalog object, Functions then Tasks, versions in the list's order. */
export function postgresCatalog(
  image: string,
  versions: readonly string[] = POSTGRES_ADDON_VERSIONS,
): Array<StashFunction | Task> {
  return addonCatalog('postgres', versions, image, {
    beforeSession: [],
    afterSession: [
      '--args=${args:=}',
      '--backup-cmd=${backupCMD:=}',
      '--user=${user:=}',
      '--databases=${databases:=}',
    ],
  });
}
