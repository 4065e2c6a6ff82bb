/**
 * Reading objects that must exist, for every caller that fails without them (the in-job steps, the
 * Job builder, the CLI): a missing one is NOT_FOUND naming the object and what it is for, a
 * Repository without a storage Secret is INVALID_INPUT naming the field. One rule, one message.
 * (The invoker controllers report the same facts as conditions: repository-access.ts.)
 */
import type { KindName, ObjectOf } from '../api/index.ts';
import { StowageError } from '../errors.ts';
import type { Store } from './store.ts';

export interface ObjectRef {
  namespace: string;
  name: string;
}

export async function requireObject<K extends KindName>(
  store: Pick<Store, 'get'>,
  kind: K,
  ref: ObjectRef,
  /** What the object is to the caller, e.g. `spec.backend.storageSecretName of Repository "gcs-repo"`. */
  role?: string,
): Promise<ObjectOf<K>> {
  const found = await store.get(kind, ref.namespace, ref.name);
  if (found) return found;
  const why = role === undefined ? '' : ` (${role})`;
  throw new StowageError(
    'NOT_FOUND',
    `${kind} "${ref.name}" in namespace "${ref.namespace}"${why} not found`,
  );
}

/** What a Repository's storage Secret is to it, for messages. */
export const storageSecretRole = (repository: string) =>
  `spec.backend.storageSecretName of Repository "${repository}"`;

/** A Repository and its storage Secret (which holds RESTIC_PASSWORD), both required. */
export async function requireRepository(
  store: Pick<Store, 'get'>,
  ref: ObjectRef,
): Promise<{ repository: ObjectOf<'Repository'>; secret: ObjectOf<'Secret'> }> {
  const repository = await requireObject(store, 'Repository', ref);
  const secretName = repository.spec.backend.storageSecretName;
  if (!secretName) {
    throw new StowageError(
      'INVALID_INPUT',
      `Repository ${ref.namespace}/${ref.name}: spec.backend.storageSecretName is required (it holds RESTIC_PASSWORD)`,
    );
  }
  const secretRef = { namespace: ref.namespace, name: secretName };
  const secret = await requireObject(store, 'Secret', secretRef, storageSecretRole(ref.name));
  return { repository, secret };
}
