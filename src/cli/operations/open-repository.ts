/**
 * Opens the restic repository behind a Repository object for a user command run on this machine:
 * reads the Repository and its storage Secret through a Store (the standalone one now, the
 * Kubernetes one for the kubectl plugin), writes the backend's secret files (0600) into a private
 * temp folder and returns a Restic bound to it. `dispose` removes the folder and the secrets in it.
 */
import { requireRepository } from '../../controllers/required-objects.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { secretValues, type ObjectOf } from '../../api/index.ts';
import { connectBackend } from '../../backends/index.ts';
import type { Store } from '../../controllers/store.ts';
import { Restic } from '../../engine/restic.ts';

export interface RepositoryAccess {
  store: Store;
  resticBinary: string;
  /** PATH/HOME for restic; never secrets (those come from the storage Secret). */
  env: Record<string, string>;
  logger: Logger;
}

export interface RepositoryRef {
  namespace: string;
  name: string;
}

export interface OpenedRepository {
  repository: ObjectOf<'Repository'>;
  restic: Restic;
  dispose(): Promise<void>;
}

async function openRepository(
  access: RepositoryAccess,
  ref: RepositoryRef,
  o: { extraResticArgs?: readonly string[] } = {},
): Promise<OpenedRepository> {
  const { repository, secret } = await requireRepository(access.store, ref);
  const scratch = await mkdtemp(join(tmpdir(), 'stowage-cli-'));
  try {
    const connected = await connectBackend(repository.spec.backend, secretValues(secret), {
      parentDir: scratch,
    });
    const connection = o.extraResticArgs?.length
      ? { ...connected.connection, globalArgs: [...connected.connection.globalArgs, ...o.extraResticArgs] }
      : connected.connection;
    const restic = new Restic({
      binary: access.resticBinary,
      connection,
      // No cache: a user command runs once; a cache left behind would hold repository metadata.
      cacheDir: undefined,
      tmpDir: scratch,
      logger: access.logger,
      env: access.env,
    });
    return {
      repository,
      restic,
      dispose: async () => {
        await connected.dispose();
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(scratch, { recursive: true, force: true });
    throw e;
  }
}

/** Runs `fn` with the repository open and always disposes of it. */
export async function withRepository<T>(
  access: RepositoryAccess,
  ref: RepositoryRef,
  fn: (opened: OpenedRepository) => Promise<T>,
  o: { extraResticArgs?: readonly string[] } = {},
): Promise<T> {
  const opened = await openRepository(access, ref, o);
  try {
    return await fn(opened);
  } finally {
    await opened.dispose();
  }
}
