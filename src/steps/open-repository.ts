/**
 * Opens the restic repository behind a Repository object: reads the Repository and its storage
 * Secret through the Store, writes secret files (0600) into the scratch folder and returns a
 * Restic bound to it. `dispose` removes the secret files.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { secretValues, type ObjectOf } from '../api/index.ts';
import { connectBackend } from '../backends/index.ts';
import { Restic } from '../engine/restic.ts';
import { StowageError } from '../errors.ts';
import type { StepContext } from './step-context.ts';

export interface OpenedRepository {
  repository: ObjectOf<'Repository'>;
  restic: Restic;
  dispose(): Promise<void>;
}

export async function openRepository(
  ctx: StepContext,
  ref: { namespace: string; name: string },
  o: { scratchDir: string; enableCache: boolean },
): Promise<OpenedRepository> {
  const repository = await ctx.store.get('Repository', ref.namespace, ref.name);
  if (!repository) throw new StowageError('NOT_FOUND', `Repository ${ref.namespace}/${ref.name} not found`);
  const secretName = repository.spec.backend.storageSecretName;
  if (!secretName) {
    throw new StowageError(
      'INVALID_INPUT',
      `Repository ${ref.namespace}/${ref.name}: spec.backend.storageSecretName is required (it holds RESTIC_PASSWORD)`,
    );
  }
  const secret = await ctx.store.get('Secret', ref.namespace, secretName);
  if (!secret)
    throw new StowageError(
      'NOT_FOUND',
      `Secret ${ref.namespace}/${secretName} (storage secret of Repository ${ref.name}) not found`,
    );
  await mkdir(o.scratchDir, { recursive: true, mode: 0o700 });
  const connected = await connectBackend(repository.spec.backend, secretValues(secret), {
    parentDir: o.scratchDir,
  });
  const tmpDir = join(o.scratchDir, 'tmp');
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const restic = new Restic({
    binary: ctx.resticBinary,
    connection: connected.connection,
    cacheDir: o.enableCache ? join(o.scratchDir, 'restic-cache') : undefined,
    tmpDir,
    logger: ctx.logger,
    env: ctx.processEnv,
  });
  return { repository, restic, dispose: () => connected.dispose() };
}
