/** argv of the repository-level verbs: version, existence probe, init, snapshots, check, stats. */

export function versionArgs(): string[] {
  return ['version', '--json'];
}

/**
 * Existence probe. `cat config` reads one small file and fails with exit 10 when there is no
 * repository (Stash lists all snapshots instead, which costs an index load on big repositories).
 */
export function probeArgs(): string[] {
  return ['cat', 'config', '--no-lock'];
}

export function initArgs(): string[] {
  return ['init', '--json'];
}

export interface SnapshotsFilter {
  host?: string | undefined;
  tags?: readonly string[] | undefined;
}

export function snapshotsArgs(filter: SnapshotsFilter = {}): string[] {
  const host = filter.host === undefined ? [] : ['--host', filter.host];
  // restic ORs repeated --tag flags; a comma inside one flag ANDs, so all tags must match.
  const tags = filter.tags && filter.tags.length > 0 ? ['--tag', filter.tags.join(',')] : [];
  return ['snapshots', '--json', '--quiet', '--no-lock', ...host, ...tags];
}

export function checkArgs(options: { readData?: boolean | undefined } = {}): string[] {
  return ['check', '--json', '--no-lock', ...(options.readData ? ['--read-data'] : [])];
}

/** Size of the repository as stored (after dedup and compression), as Stash reports it. */
export function statsArgs(): string[] {
  return ['stats', '--json', '--quiet', '--mode', 'raw-data', '--no-lock'];
}
