/** Helpers for tests that need a restic engine on a throwaway local repository. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { Restic } from '../../src/engine/restic.ts';
import type { ResticConnection } from '../../src/engine/types.ts';
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
