/**
 * The objects a step reads must exist: a missing one fails the step with NOT_FOUND, naming the
 * object and why the step needed it, so the session's error says what to create or fix.
 */
import type { KindName, ObjectOf } from '../api/index.ts';
import type { Store } from '../controllers/store.ts';
import { StowageError } from '../errors.ts';

export async function requireObject<K extends KindName>(
  store: Store,
  kind: K,
  ref: { namespace: string; name: string },
  /** What the object is to the step, e.g. `storage secret of Repository gcs-repo`. */
  role?: string,
): Promise<ObjectOf<K>> {
  const found = await store.get(kind, ref.namespace, ref.name);
  if (found) return found;
  const why = role === undefined ? '' : ` (${role})`;
  throw new StowageError('NOT_FOUND', `${kind} ${ref.namespace}/${ref.name}${why} not found`);
}
