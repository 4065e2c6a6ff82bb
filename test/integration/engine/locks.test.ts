import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LockInfo } from '../../../src/engine/types.ts';
import {
  resticBinary,
  startLockHolder,
  tempLocalRepo,
  waitForLockOf,
  type TempRepo,
} from '../../harness/restic.ts';

describe('locks', () => {
  let repo: TempRepo;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    repo = await tempLocalRepo();
    await repo.restic.init();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await once(c, 'exit');
      }
    }
    await repo.restic.unlockAll();
  });
  afterAll(() => repo.cleanup());

  /** A restic process holding a lock on the repository, and its lock. */
  async function holdLock(): Promise<{ holder: ChildProcess; lock: LockInfo }> {
    const holder = await startLockHolder(repo.connection.repository);
    children.push(holder);
    return { holder, lock: await waitForLockOf(repo.restic, holder.pid!) };
  }

  /** A lock whose holder was SIGKILLed: restic cannot release it, exactly like a crashed job. */
  async function staleLock(): Promise<LockInfo> {
    const { holder, lock } = await holdLock();
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    return lock;
  }

  it('a live lock is listed with this host and pid, and unlockStale keeps it', async () => {
    const { holder, lock } = await holdLock();
    expect(lock).toMatchObject({ hostname: hostname(), pid: holder.pid, exclusive: false });
    expect(lock.id).toMatch(/^[0-9a-f]{64}$/);

    const result = await repo.restic.unlockStale();
    expect(result.removed).toEqual([]);
    expect((await repo.restic.listLocks()).map((l) => l.id)).toContain(lock.id);
    expect(holder.exitCode).toBeNull();
  });

  it('a stale lock from a dead PID on this host is removed, a live one next to it is kept', async () => {
    const stale = await staleLock();
    const { lock: liveLock } = await holdLock();

    const result = await repo.restic.unlockStale();
    expect(result.removed.map((l) => l.id)).toEqual([stale.id]);
    const left = (await repo.restic.listLocks()).map((l) => l.id);
    expect(left).toEqual([liveLock.id]);
    expect(result.kept.map((l) => l.id)).toEqual([liveLock.id]);
  });

  it('a lock from another host is removed only when isHolderGone says so', async () => {
    const lock = await staleLock();

    // Pretend this machine has another name: the lock is then "from another host" and its PID
    // cannot be checked here.
    const { Restic } = await import('../../../src/engine/restic.ts');
    const { testLogger } = await import('../../harness/restic.ts');
    const elsewhere = new Restic({
      binary: await resticBinary(),
      connection: repo.connection,
      logger: testLogger,
      env: { PATH: process.env.PATH },
      hostname: 'some-other-host',
    });
    const seen: string[] = [];
    const kept = await elsewhere.unlockStale({
      isHolderGone: (l) => {
        seen.push(l.id);
        return Promise.resolve(false);
      },
    });
    expect(seen).toEqual([lock.id]);
    expect(kept.removed).toEqual([]);
    expect((await repo.restic.listLocks()).map((l) => l.id)).toEqual([lock.id]);

    const removed = await elsewhere.unlockStale({ isHolderGone: () => Promise.resolve(true) });
    expect(removed.removed.map((l) => l.id)).toEqual([lock.id]);
    expect(await repo.restic.listLocks()).toEqual([]);
  });
});
