/**
 * Flags every restic call gets (Stash appends them to each command): the cache choice and the
 * connection's global flags (`--cacert`, `--insecure-tls`, `--option x.connections=N`).
 * The repository itself travels in RESTIC_REPOSITORY, never argv, because rest: URLs carry a password.
 */
export interface CommonFlagsInput {
  /** Cache directory; when unset restic runs with `--no-cache` (jobs are short-lived). */
  cacheDir?: string | undefined;
  globalArgs: readonly string[];
}

export function commonFlags(input: CommonFlagsInput): string[] {
  const cache = input.cacheDir === undefined ? ['--no-cache'] : ['--cache-dir', input.cacheDir];
  return [...cache, ...input.globalArgs];
}

/** `--flag v` for each value, in order. */
export function repeated(flag: string, values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => [flag, v]);
}
