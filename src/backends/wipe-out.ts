/**
 * wipeOut (stash-spec §1.3, §3.12): when a Repository with `spec.wipeOut: true` is deleted, every
 * object of its backend under `<prefix>/` is deleted before the Repository goes. Providers:
 *
 * - s3 (AWS, MinIO and S3-compatible stores): the `minio` client lists under `<prefix>/` and
 *   removes in batches (DeleteObjects), ./s3/wipe-out.ts;
 * - rest (restic's rest-server): its REST protocol, listing each file type and deleting each file
 *   and the config, ./rest/wipe-out.ts.
 *
 * local and b2 are refused when the Repository is written (as Stash refuses them); gcs, azure and
 * swift are accepted and their deletion goes ahead with a Warning that the data was left in place,
 * so a delete never waits on a wipe that cannot happen; docs/adr/0007-repository-wipeout.md.
 *
 * The storage Secret's values stay in memory: they go into request headers and signatures, never
 * into a message, a location or a log line. A wipe reports success only after a last listing
 * found nothing left; anything else throws a StowageError WIPE_OUT_FAILED (retryable).
 */
import { backendProvider, type Backend } from '../api/stash/v1alpha1/backend.ts';
import {
  wipeOutNotImplementedMessage,
  wipeOutProviders,
  type WipeOutProvider,
} from '../api/stash/v1alpha1/repository.ts';
import { StowageError } from '../errors.ts';
import { restLocation, wipeOutRest } from './rest/wipe-out.ts';
import { s3Location, wipeOutS3 } from './s3/wipe-out.ts';
import { SecretValues } from './secret-values.ts';

export interface WipeOutResult {
  /** What was wiped, without credentials: `s3:<endpoint>/<bucket>/<prefix>/`, `rest:<url>/`. */
  location: string;
  /** How many objects were deleted (0 when there was nothing: a repository never initialized). */
  removed: number;
}

export interface WipeOutOptions {
  /** A request that makes no progress for this long fails (default 60 s). */
  requestTimeoutMs?: number;
}

/** The seam the Repository controller calls; tests replace it. */
export type RepositoryWiper = (
  backend: Backend,
  secret: Readonly<Record<string, string>>,
  options?: WipeOutOptions,
) => Promise<WipeOutResult>;

export function isWipeOutProvider(p: string): p is WipeOutProvider {
  return (wipeOutProviders as readonly string[]).includes(p);
}

/** Where a wipe of this backend deletes, for messages (no credentials); undefined when unsupported. */
export function wipeOutLocation(backend: Backend): string | undefined {
  try {
    if (backend.s3) return s3Location(backend.s3);
    if (backend.rest) return restLocation(backend.rest.url);
  } catch {
    // An endpoint restic could not use either; the wipe itself reports why.
  }
  return undefined;
}

/** Deletes every object of the repository's backend under its prefix. */
export const wipeOutRepository: RepositoryWiper = async (backend, secret, options = {}) => {
  const values = new SecretValues(secret, backend.storageSecretName);
  const provider = backendProvider(backend);
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  if (backend.s3) return wipeOutS3(backend.s3, values, { requestTimeoutMs });
  if (backend.rest) return wipeOutRest(backend.rest, values, { requestTimeoutMs });
  throw new StowageError(
    'WIPE_OUT_UNSUPPORTED',
    `${wipeOutNotImplementedMessage}; this Repository uses ${provider}`,
  );
};
