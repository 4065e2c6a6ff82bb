/**
 * Opens the restic repository behind a Repository object: reads the Repository and its storage
 * Secret through the Store, writes secret files (0600) into the scratch folder and hands a Restic
 * bound to it to the caller. The secret files are removed when the caller is done, whatever happens.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { secretValues, type ObjectOf } from '../api/index.ts';
import { connectBackend } from '../backends/index.ts';
import { Restic } from '../engine/restic.ts';
import type { ResticConnection } from '../engine/types.ts';
import { requireRepository } from '../controllers/required-objects.ts';
import type { StepContext } from './step-context.ts';

export interface OpenedRepository {
  repository: ObjectOf<'Repository'>;
  restic: Restic;
}

export interface OpenOptions {
  scratchDir: string;
  enableCache: boolean;
}

export async function withRepository<T>(
  ctx: StepContext,
  ref: { namespace: string; name: string },
  o: OpenOptions,
  use: (opened: OpenedRepository) => Promise<T>,
): Promise<T> {
  const { repository, secret } = await requireRepository(ctx.store, ref);
  await mkdir(o.scratchDir, { recursive: true, mode: 0o700 });
  const connected = await connectBackend(repository.spec.backend, secretValues(secret), {
    parentDir: o.scratchDir,
  });
  try {
    return await use({ repository, restic: await resticIn(ctx, connected.connection, o) });
  } finally {
    await connected.dispose();
  }
}

async function resticIn(ctx: StepContext, connection: ResticConnection, o: OpenOptions): Promise<Restic> {
  const tmpDir = join(o.scratchDir, 'tmp');
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  return new Restic({
    binary: ctx.resticBinary,
    connection,
    cacheDir: o.enableCache ? join(o.scratchDir, 'restic-cache') : undefined,
    tmpDir,
    logger: ctx.logger,
    env: ctx.processEnv,
  });
}
