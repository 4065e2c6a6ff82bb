/**
 * Read access to a decoded storage Secret with errors that name the Secret and the key, so a user
 * knows exactly what to add. Empty values count as missing (restic rejects empty credentials).
 */
import { StowageError } from '../errors.ts';

export class SecretValues {
  readonly #values: Readonly<Record<string, string>>;
  readonly #secretName: string;

  constructor(values: Readonly<Record<string, string>>, secretName: string | undefined) {
    this.#values = values;
    this.#secretName = secretName ?? '(storageSecretName not set)';
  }

  get secretName(): string {
    return this.#secretName;
  }

  optional(key: string): string | undefined {
    const v = this.#values[key];
    return v === undefined || v === '' ? undefined : v;
  }

  required(key: string, why: string): string {
    const v = this.optional(key);
    if (v === undefined) {
      throw new StowageError(
        'STORAGE_SECRET_KEY_MISSING',
        `storage Secret "${this.#secretName}" has no key ${key} (${why}); add it to the Secret`,
        { details: { secret: this.#secretName, key } },
      );
    }
    return v;
  }

  /** The keys among `keys` that are set, as env entries (exported verbatim, as Stash does). */
  pick(keys: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of keys) {
      const v = this.optional(k);
      if (v !== undefined) env[k] = v;
    }
    return env;
  }
}
