/**
 * Lock removal for a Repository. The default removes only locks whose holder is provably gone (a
 * dead process on this machine); `removeAll` removes every lock, which is only safe when no restic
 * process uses the repository: a prune running next to a backup whose lock was removed can delete
 * data that backup is about to reference.
 */
import type { LockInfo } from '../../engine/types.ts';
import { withRepository, type RepositoryAccess, type RepositoryRef } from './open-repository.ts';

export interface UnlockOutcome {
  removed: LockInfo[];
  /** Locks still held (by live or unknown holders). */
  kept: LockInfo[];
}

export async function unlockRepository(
  access: RepositoryAccess,
  ref: RepositoryRef,
  o: { removeAll?: boolean; beforeRemoveAll?: (locks: LockInfo[]) => void } = {},
): Promise<UnlockOutcome> {
  return withRepository(access, ref, async ({ restic }) => {
    if (!o.removeAll) return restic.unlockStale();
    const locks = await restic.listLocks();
    o.beforeRemoveAll?.(locks);
    if (locks.length === 0) return { removed: [], kept: [] };
    await restic.unlockAll();
    const left = await restic.listLocks();
    const leftIds = new Set(left.map((l) => l.id));
    return { removed: locks.filter((l) => !leftIds.has(l.id)), kept: left };
  });
}

export function describeLock(l: LockInfo): string {
  return `${l.id.slice(0, 8)} ${l.exclusive ? 'exclusive' : 'shared'} lock of pid ${l.pid} on ${l.hostname} since ${l.time}`;
}
