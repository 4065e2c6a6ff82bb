/**
 * Create-or-update of one object we own (CronJob, Role, RoleBinding…): create it; when it already
 * exists, merge what we want into what is there and replace it with the server's resourceVersion
 * (retrying when someone else wrote in between). Level-triggered reconciles call this every time,
 * so it writes only when something differs.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { isConflict, toStowageError } from './kube-errors.ts';

export interface ObjectOps<T> {
  create(body: T): Promise<T>;
  read(): Promise<T>;
  replace(body: T): Promise<T>;
}

const CONFLICT_RETRIES = 3;

/**
 * `merge(current, desired)` returns the object to write, or undefined when `current` is already
 * as wanted; without it an existing object is left as it is (create-if-missing).
 */
export async function applyObject<T extends { metadata?: V1ObjectMeta }>(
  subject: string,
  desired: T,
  ops: ObjectOps<T>,
  merge?: (current: T, desired: T) => T | undefined,
): Promise<{ object: T; created: boolean }> {
  try {
    return { object: await ops.create(desired), created: true };
  } catch (e) {
    if (!isConflict(e)) throw toStowageError(e, 'create', subject);
  }
  for (let attempt = 0; ; attempt++) {
    let current: T;
    try {
      current = await ops.read();
    } catch (e) {
      throw toStowageError(e, 'get', subject);
    }
    const next = merge?.(current, desired);
    if (!next) return { object: current, created: false };
    try {
      return {
        object: await ops.replace({
          ...next,
          metadata: { ...next.metadata, resourceVersion: current.metadata?.resourceVersion },
        }),
        created: false,
      };
    } catch (e) {
      if (isConflict(e) && attempt < CONFLICT_RETRIES) continue;
      throw toStowageError(e, 'update', subject);
    }
  }
}

/**
 * True when everything `want` sets is set the same way in `have`. The server fills in defaults
 * (dnsPolicy, terminationMessagePath…), so "as wanted" means "contains what we asked for";
 * arrays must match element by element and in length.
 */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === undefined) return true;
  if (Array.isArray(want))
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => isSubset(w, have[i]));
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want).every(([k, v]) => isSubset(v, h[k]));
  }
  return want === have;
}
