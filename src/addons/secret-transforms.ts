/**
 * AppBinding `secretTransforms` (stash-spec §1.10), applied in order to the decoded values of the
 * AppBinding's Secret. KubeDB uses them to map its own key names onto `username`/`password`.
 *
 * Semantics (from the AppBinding API types):
 * - renameKey {from, to}: moves the value; a missing `from` is a no-op.
 * - addKey {key, value | stringValue}: `value` is bytes (base64 in JSON), `stringValue` is plain text
 *   and wins when both are given, like a Secret's stringData over data.
 * - addKeysFrom {secretRef}: copies every key of another Secret in the same namespace (overwriting).
 * - removeKey {key}: deletes the key.
 */
import type { SecretTransform } from '../api/index.ts';
import { StowageError, ValidationError } from '../errors.ts';

/** Returns the decoded values of the named Secret (in the AppBinding's namespace). */
export type SecretLookup = (name: string) => Promise<Record<string, string>>;

export async function applySecretTransforms(
  values: Readonly<Record<string, string>>,
  transforms: readonly SecretTransform[] | undefined,
  lookup?: SecretLookup,
): Promise<Record<string, string>> {
  const out: Record<string, string> = { ...values };
  for (const [i, t] of (transforms ?? []).entries()) {
    const set = [t.renameKey, t.addKey, t.addKeysFrom, t.removeKey].filter((x) => x !== undefined).length;
    if (set !== 1) {
      throw new ValidationError('AppBinding secretTransforms', [
        {
          path: `spec.secretTransforms[${i}]`,
          message: `exactly one of renameKey, addKey, addKeysFrom, removeKey must be set (found ${set})`,
        },
      ]);
    }
    if (t.renameKey) {
      const { from, to } = t.renameKey;
      if (Object.hasOwn(out, from)) {
        const v = out[from]!;
        delete out[from];
        out[to] = v;
      }
    } else if (t.addKey) {
      const { key, value, stringValue } = t.addKey;
      if (stringValue !== undefined) out[key] = stringValue;
      else if (value !== undefined) out[key] = Buffer.from(value, 'base64').toString('utf8');
      else out[key] = '';
    } else if (t.addKeysFrom) {
      const name = t.addKeysFrom.secretRef.name;
      if (!lookup) {
        throw new StowageError(
          'SECRET_LOOKUP_UNAVAILABLE',
          `secretTransforms[${i}].addKeysFrom needs Secret "${name}", but no Secret reader was given`,
        );
      }
      Object.assign(out, await lookup(name));
    } else if (t.removeKey) {
      delete out[t.removeKey.key];
    }
  }
  return out;
}
