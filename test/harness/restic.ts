/** Helpers for tests that need a restic engine on a throwaway local repository. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { Restic } from '../../src/engine/restic.ts';
import type { LockInfo, ResticConnection } from '../../src/engine/types.ts';
import { toolPath } from './tools.ts';

export const testLogger: Logger = pino({ level: process.env.STOWAGE_TEST_LOG_LEVEL ?? 'silent' });

export async function resticBinary(): Promise<string> {
  return toolPath('restic');
}

/** A Restic bound to `connection`, seeing the test process's PATH and HOME. */
export async function resticFor(
  connection: ResticConnection,
  options: { cacheDir?: string } = {},
): Promise<Restic> {
  return new Restic({
    binary: await resticBinary(),
    connection,
    cacheDir: options.cacheDir,
    logger: testLogger,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
}

export interface TempRepo {
  dir: string;
  connection: ResticConnection;
  restic: Restic;
  cleanup(): Promise<void>;
}

/** A not-yet-initialized local repository in a temp dir. */
export async function tempLocalRepo(password = 'test-password'): Promise<TempRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'stowage-repo-'));
  const connection: ResticConnection = {
    repository: join(dir, 'repo'),
    env: { RESTIC_PASSWORD: password },
    globalArgs: [],
  };
  return {
    dir,
    connection,
    restic: await resticFor(connection),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A temp directory removed by the returned cleanup. */
export async function tempDir(prefix = 'stowage-test-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A real restic process holding a (non-exclusive) lock on `repository` while it "backs up" a slow
 * command: the live lock holder of the lock tests. SIGKILL it to leave a stale lock behind.
 */
export async function startLockHolder(repository: string, password = 'test-password'): Promise<ChildProcess> {
  return spawn(
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
      env: { PATH: process.env.PATH, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: password },
      stdio: 'ignore',
    },
  );
}

/** Waits until restic process `pid` holds a lock on the repository `restic` opens; returns the lock. */
export async function waitForLockOf(restic: Restic, pid: number): Promise<LockInfo> {
  for (let i = 0; i < 100; i++) {
    const lock = (await restic.listLocks()).find((l) => l.pid === pid);
    if (lock) return lock;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`restic pid ${pid} never took a lock`);
}
