/**
 * What may appear in logs about a restic call. argv never holds secrets (they travel in env and
 * 0600 files), but RESTIC_REPOSITORY can: `rest:` URLs carry the password in their userinfo.
 */

/** The repository string with any URL password replaced by `***`. */
export function redactRepository(repository: string): string {
  return repository.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

/** The names of the env vars given to restic, without values, for debugging what was set. */
export function envNames(env: Record<string, string>): string[] {
  return Object.keys(env).sort();
}
