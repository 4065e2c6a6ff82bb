/**
 * Locks left by dead processes are cleared when, and only when, they get in the way: restic
 * refuses a command because the repository is locked → remove the locks whose holders are
 * provably gone (Restic.unlockStale) → try once more. Locks are not listed up front: that costs a
 * restic call on every backup, and a stale lock is the rare case. restic takes its lock before it
 * starts a backup's dump command or changes anything, so a refused attempt has done nothing.
 */
import type { Logger } from 'pino';
import { ResticError } from '../engine/errors.ts';
import type { Restic } from '../engine/restic.ts';

export async function withStaleLockRecovery<T>(
  restic: Restic,
  log: Logger,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (e) {
    if (!(e instanceof ResticError) || e.code !== 'RESTIC_LOCKED') throw e;
    const unlocked = await restic.unlockStale();
    if (unlocked.removed.length === 0) throw e;
    log.warn(
      { locks: unlocked.removed.map((l) => l.id) },
      'removed stale locks left by dead processes; retrying',
    );
    return attempt();
  }
}
