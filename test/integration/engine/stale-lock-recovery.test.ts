/**
 * Stale locks are cleared when they get in the way (src/steps/stale-locks.ts), against the real
 * restic: a lock left by a SIGKILLed backup blocks `forget --prune`; the recovery removes it and
 * the prune runs. A live holder's lock is never removed, so the refusal stands.
 */
import { once } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResticError } from '../../../src/engine/errors.ts';
import { withStaleLockRecovery } from '../../../src/steps/stale-locks.ts';
import { startLockHolder, tempLocalRepo, waitForLockOf, type TempRepo } from '../../harness/restic.ts';

const log = pino({ level: 'silent' });

async function lockHolder(repo: TempRepo) {
  const child = await startLockHolder(repo.connection.repository);
  await waitForLockOf(repo.restic, child.pid!);
  return child;
}

describe('withStaleLockRecovery', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = await tempLocalRepo();
    await repo.restic.init();
  });
  afterEach(async () => {
    await repo.restic.unlockAll();
    await repo.cleanup();
  });

  it('a lock left by a killed backup blocks prune; recovery removes it and prune runs', async () => {
    const dead = await lockHolder(repo);
    dead.kill('SIGKILL');
    await once(dead, 'exit');
    const prune = () => repo.restic.forget({ keepLast: 1, prune: true });
    await expect(prune()).rejects.toMatchObject({ code: 'RESTIC_LOCKED' });
    await withStaleLockRecovery(repo.restic, log, prune);
    expect(await repo.restic.listLocks()).toEqual([]);
  });

  it('a live holder keeps its lock and the refusal stands', async () => {
    const live = await lockHolder(repo);
    try {
      const error = await withStaleLockRecovery(repo.restic, log, () =>
        repo.restic.forget({ keepLast: 1, prune: true }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResticError);
      expect((error as ResticError).code).toBe('RESTIC_LOCKED');
      expect((await repo.restic.listLocks()).some((l) => l.pid === live.pid)).toBe(true);
    } finally {
      live.kill('SIGKILL');
      await once(live, 'exit');
    }
  });
});
