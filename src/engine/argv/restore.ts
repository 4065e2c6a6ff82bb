/** argv of `restic restore` and `restic dump`. */
import { repeated } from './common.ts';

export interface SnapshotSelector {
  /** Snapshot id, or `latest` (the default). */
  snapshot?: string | undefined;
  /** Only consulted for `latest`: an explicit id already names one snapshot (as in Stash). */
  host?: string | undefined;
  path?: string | undefined;
}

function selector(s: SnapshotSelector): { id: string; filters: string[] } {
  const id = s.snapshot ?? 'latest';
  if (id !== 'latest') return { id, filters: [] };
  return {
    id,
    filters: [
      ...(s.host === undefined ? [] : ['--host', s.host]),
      ...(s.path === undefined ? [] : ['--path', s.path]),
    ],
  };
}

export function restoreArgs(
  input: SnapshotSelector & {
    target: string;
    include?: readonly string[] | undefined;
    exclude?: readonly string[] | undefined;
    progress?: boolean | undefined;
  },
): string[] {
  const { id, filters } = selector(input);
  return [
    'restore',
    id,
    '--json',
    ...(input.progress ? [] : ['--quiet']),
    '--target',
    input.target,
    ...filters,
    ...repeated('--include', input.include),
    ...repeated('--exclude', input.exclude),
  ];
}

/** Writes one file of a snapshot to stdout; for stdin backups the file is `/<stdin-filename>`. */
export function dumpArgs(input: SnapshotSelector & { filename: string }): string[] {
  const { id, filters } = selector(input);
  const file = input.filename.startsWith('/') ? input.filename : `/${input.filename}`;
  return ['dump', '--quiet', ...filters, id, file];
}
