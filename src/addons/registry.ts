/**
 * Which addon serves a Task. Task names follow Stash's catalog: `<addon>-backup-<version>` and
 * `<addon>-restore-<version>` (e.g. `postgres-backup-15.1`, `elasticsearch-restore-7.3.2`, and the
 * older suffixed `postgres-backup-11.9-v5`), so the addon is everything before `-backup-`/`-restore-`.
 */
import type { StreamingAddon } from './addon.ts';
import { elasticsearchAddon, opensearchAddon } from './elasticsearch/index.ts';
import { postgresAddon } from './postgres/index.ts';

const addons: ReadonlyMap<string, StreamingAddon> = new Map(
  [postgresAddon, elasticsearchAddon, opensearchAddon].map((a) => [a.name, a]),
);

export function addonNames(): string[] {
  return [...addons.keys()].sort();
}

export function getAddon(name: string): StreamingAddon | undefined {
  return addons.get(name);
}

export interface AddonTaskName {
  addon: string;
  direction: 'backup' | 'restore';
  /** The version part, e.g. `15.1` or `11.9-v5`. */
  version: string;
}

const TASK_NAME = /^([a-z0-9]+(?:-[a-z0-9]+)*?)-(backup|restore)-([0-9][A-Za-z0-9.+_-]*)$/;

/** Splits an addon Task name; undefined for names that are not `<addon>-(backup|restore)-<version>`. */
export function parseAddonTaskName(taskName: string): AddonTaskName | undefined {
  const m = TASK_NAME.exec(taskName);
  if (!m) return undefined;
  return { addon: m[1]!, direction: m[2] as 'backup' | 'restore', version: m[3]! };
}

/** The addon serving a Task name, if Stowage has one. */
export function addonForTask(taskName: string): StreamingAddon | undefined {
  const parsed = parseAddonTaskName(taskName);
  return parsed ? addons.get(parsed.addon) : undefined;
}
