/**
 * The addons Stowage has, by the name the in-job steps are given (`stowage backup <addon>`), which
 * is the family part of Stash's Task names (`postgres-backup-15.1`, `elasticsearch-restore-7.3.2`).
 */
import type { StreamingAddon } from './addon.ts';
import { elasticsearchAddon, opensearchAddon } from './elasticsearch/index.ts';
import { postgresAddon } from './postgres/index.ts';

const addons: ReadonlyMap<string, StreamingAddon> = new Map(
  [postgresAddon, elasticsearchAddon, opensearchAddon].map((a) => [a.name, a]),
);

export function getAddon(name: string): StreamingAddon | undefined {
  return addons.get(name);
}
