/**
 * `kubectl stash download`: `restic restore <snapshot> --target <destination>/<snapshot>` for each
 * requested snapshot, on this machine.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ResticProgress, SnapshotInfo } from '../../engine/types.ts';
import { StowageError } from '../../errors.ts';
import { withRepository, type RepositoryAccess, type RepositoryRef } from './open-repository.ts';
import { resolveSnapshots } from './snapshots.ts';

export interface DownloadOptions {
  snapshots: readonly string[];
  destination: string;
  /** Narrows `latest` to one host. */
  host?: string;
  /** Only these paths inside the snapshots (restic `--include`). */
  include?: readonly string[];
  onStart?: (requested: string, snapshot: SnapshotInfo, dir: string) => void;
  onProgress?: (requested: string, p: ResticProgress) => void;
}

export interface Downloaded {
  requested: string;
  snapshotId: string;
  directory: string;
}

/** Folder names must not escape the destination: only the characters of ids and Stash names. */
function folderName(requested: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(requested))
    throw new StowageError(
      'USAGE',
      `snapshot "${requested}" is not a snapshot id, a Snapshot name (<repository>-<id>) or "latest"`,
    );
  return requested;
}

export async function downloadSnapshots(
  access: RepositoryAccess,
  ref: RepositoryRef,
  o: DownloadOptions,
): Promise<Downloaded[]> {
  if (o.snapshots.length === 0)
    throw new StowageError('USAGE', '--snapshots needs at least one snapshot id (see: stowage snapshots)');
  for (const s of o.snapshots) folderName(s);
  const destination = resolve(o.destination);
  return withRepository(access, ref, async ({ restic }) => {
    const available = await restic.snapshots();
    const wanted = resolveSnapshots(
      ref,
      o.snapshots,
      available,
      o.host === undefined ? {} : { host: o.host },
    );
    const done: Downloaded[] = [];
    for (const { requested, snapshot } of wanted) {
      const dir = join(destination, folderName(requested));
      await mkdir(dir, { recursive: true });
      o.onStart?.(requested, snapshot, dir);
      await restic.restore({
        snapshot: snapshot.id,
        target: dir,
        ...(o.include?.length ? { include: o.include } : {}),
        ...(o.onProgress ? { onProgress: (p: ResticProgress) => o.onProgress?.(requested, p) } : {}),
      });
      done.push({ requested, snapshotId: snapshot.id, directory: dir });
    }
    return done;
  });
}
