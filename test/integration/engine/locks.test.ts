import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LockInfo } from '../../../src/engine/types.ts';
import { resticBinary, tempLocalRepo, type TempRepo } from '../../harness/restic.ts';

/** A real restic process holding a (non-exclusive) lock on the repository while it "backs up". */
async function startLockHolder(repo: TempRepo): Promise<ChildProcess> {
  const child = spawn(
    await resticBinary(),
    [
      '--no-cache',
      'backup',
      '--host',
      'holder',
      '--stdin-from-command',
      '--stdin-filename',
      'x',
      '--',
      'sleep',
      '60',
    ],
    {
      env: {
        PATH: process.env.PATH,
        RESTIC_REPOSITORY: repo.connection.repository,
        RESTIC_PASSWORD: 'test-password',
      },
      stdio: 'ignore',
    },
  );
  return child;
}

async function waitForLockOf(repo: TempRepo, pid: number): Promise<LockInfo> {
  for (let i = 0; i < 100; i++) {
    const lock = (await repo.restic.listLocks()).find((l) => l.pid === pid);
    if (lock) return lock;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`restic pid ${pid} never took a lock`);
}

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

  it('a live lock is listed with this host and pid, and unlockStale keeps it', async () => {
    const holder = await startLockHolder(repo);
    children.push(holder);
    const lock = await waitForLockOf(repo, holder.pid!);
    expect(lock).toMatchObject({ hostname: hostname(), pid: holder.pid, exclusive: false });
    expect(lock.id).toMatch(/^[0-9a-f]{64}$/);

    const result = await repo.restic.unlockStale();
    expect(result.removed).toEqual([]);
    expect((await repo.restic.listLocks()).map((l) => l.id)).toContain(lock.id);
    expect(holder.exitCode).toBeNull();
  });

  it('a stale lock from a dead PID on this host is removed, a live one next to it is kept', async () => {
    const dead = await startLockHolder(repo);
    children.push(dead);
    const staleLock = await waitForLockOf(repo, dead.pid!);
    // SIGKILL: restic cannot release its lock, exactly like a crashed job.
    dead.kill('SIGKILL');
    await once(dead, 'exit');

    const live = await startLockHolder(repo);
    children.push(live);
    const liveLock = await waitForLockOf(repo, live.pid!);

    const result = await repo.restic.unlockStale();
    expect(result.removed.map((l) => l.id)).toEqual([staleLock.id]);
    const left = (await repo.restic.listLocks()).map((l) => l.id);
    expect(left).toEqual([liveLock.id]);
    expect(result.kept.map((l) => l.id)).toEqual([liveLock.id]);
  });

  it('a lock from another host is removed only when isHolderGone says so', async () => {
    const holder = await startLockHolder(repo);
    children.push(holder);
    const lock = await waitForLockOf(repo, holder.pid!);
    holder.kill('SIGKILL');
    await once(holder, 'exit');

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
