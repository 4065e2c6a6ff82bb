/** argv of the lock verbs. `list locks` has no JSON mode: it prints one lock id per line. */

export function listLocksArgs(): string[] {
  return ['list', 'locks', '--no-lock'];
}

export function catLockArgs(id: string): string[] {
  return ['cat', 'lock', id, '--no-lock'];
}

/**
 * Without `removeAll`, restic removes only locks it considers stale: not refreshed for 30 minutes,
 * or held by a dead process on this very host. That makes plain `unlock` safe next to live holders.
 */
export function unlockArgs(options: { removeAll?: boolean } = {}): string[] {
  return ['unlock', ...(options.removeAll ? ['--remove-all'] : [])];
}
