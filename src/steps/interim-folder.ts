/**
 * Whether a step uses the interim-folder layout. Stash passes `--interim-data-dir` always: on the
 * interim volume (/stash-interim-volume/data) when the invoker has an interimVolumeTemplate, and
 * inside the Job's scratch emptyDir (/stash-tmp/…) when it has none. A dump into a folder only
 * pays off on a volume meant for it; without one Stowage streams straight into restic and writes
 * nothing to disk. So: folder layout ⇔ the addon has one and the folder is outside the scratch
 * folder (the standalone runtime maps both paths the same way, so the rule holds there too).
 */
import { mkdir, rm } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import type { FolderAddon, StreamingAddon } from '../addons/addon.ts';

export interface InterimFolder {
  addon: FolderAddon;
  dir: string;
}

export function interimFolder(
  addon: StreamingAddon,
  input: { interimDataDir?: string | undefined; scratchDir: string },
): InterimFolder | undefined {
  if (!addon.folder || !input.interimDataDir) return undefined;
  if (isInside(input.interimDataDir, input.scratchDir)) return undefined;
  return { addon: addon.folder, dir: resolve(input.interimDataDir) };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Empties the folder (a previous run's files must not end up in this snapshot). */
export async function resetFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
}
