/**
 * Opens the restic repository behind a Repository object for a user command run on this machine:
 * reads the Repository and its storage Secret through a Store (the standalone one now, the
 * Kubernetes one for the kubectl plugin), writes the backend's secret files (0600) into a private
 * temp folder and returns a Restic bound to it. `dispose` removes the folder and the secrets in it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { secretValues, type ObjectOf } from '../../api/index.ts';
import { connectBackend } from '../../backends/index.ts';
import type { Store } from '../../controllers/store.ts';
import { Restic } from '../../engine/restic.ts';
import { StowageError } from '../../errors.ts';

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

const describeRef = (ref: RepositoryRef): string =>
  `Repository "${ref.name}" in namespace "${ref.namespace}"`;

async function openRepository(
  access: RepositoryAccess,
  ref: RepositoryRef,
  o: { extraResticArgs?: readonly string[] } = {},
): Promise<OpenedRepository> {
  const repository = await access.store.get('Repository', ref.namespace, ref.name);
  if (!repository)
    throw new StowageError(
      'NOT_FOUND',
      `${describeRef(ref)} not found; list them with: stowage get repository -n ${ref.namespace}`,
    );
  const secretName = repository.spec.backend.storageSecretName;
  if (!secretName)
    throw new StowageError(
      'INVALID_INPUT',
      `${describeRef(ref)}: spec.backend.storageSecretName is empty; it must name the Secret holding RESTIC_PASSWORD`,
    );
  const secret = await access.store.get('Secret', ref.namespace, secretName);
  if (!secret)
    throw new StowageError(
      'NOT_FOUND',
      `Secret "${secretName}" in namespace "${ref.namespace}" (spec.backend.storageSecretName of Repository "${ref.name}") not found`,
    );
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
