/**
 * Snapshots of a Repository as Stash's aggregated `Snapshot` objects (repositories.stash.appscode.com,
 * stash-spec §1.11): name `<repository>-<short id>`, uid = the full restic id, labels `repository`
 * and `hostname`, creationTimestamp = the snapshot time.
 */
import { formatBytes } from '../../core/format.ts';
import type { SnapshotInfo } from '../../engine/types.ts';
import { StowageError } from '../../errors.ts';
import { renderColumns } from '../table.ts';
import { withRepository, type RepositoryAccess, type RepositoryRef } from './open-repository.ts';

export interface SnapshotObject {
  apiVersion: 'repositories.stash.appscode.com/v1alpha1';
  kind: 'Snapshot';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    creationTimestamp: string;
    labels: Record<string, string>;
  };
  status: {
    repository: string;
    hostname: string;
    paths: string[];
    tags: string[];
    /** Bytes the snapshot holds (restic 0.17+ records it); not in Stash's type. */
    totalSize?: string;
  };
}

export function snapshotName(repository: string, snapshotId: string): string {
  return `${repository}-${snapshotId.slice(0, 8)}`;
}

export function toSnapshotObject(ref: RepositoryRef, s: SnapshotInfo): SnapshotObject {
  return {
    apiVersion: 'repositories.stash.appscode.com/v1alpha1',
    kind: 'Snapshot',
    metadata: {
      name: snapshotName(ref.name, s.id),
      namespace: ref.namespace,
      uid: s.id,
      creationTimestamp: s.time,
      labels: { repository: ref.name, hostname: s.hostname },
    },
    status: {
      repository: ref.name,
      hostname: s.hostname,
      paths: s.paths,
      tags: s.tags,
      ...(s.totalBytes === undefined ? {} : { totalSize: formatBytes(s.totalBytes) }),
    },
  };
}

/** Oldest first, as restic lists them. */
export async function listSnapshots(
  access: RepositoryAccess,
  ref: RepositoryRef,
  filter: { host?: string } = {},
): Promise<SnapshotInfo[]> {
  return withRepository(access, ref, ({ restic }) =>
    restic.snapshots(filter.host === undefined ? {} : { host: filter.host }),
  );
}

/** restic prints times with nanoseconds and a local offset; tables show UTC seconds. */
function shortTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function renderSnapshotTable(ref: RepositoryRef, snapshots: SnapshotInfo[]): string {
  const headers = ['NAME', 'ID', 'HOSTNAME', 'CREATED', 'SIZE', 'PATHS'];
  const rows = snapshots.map((s) => [
    snapshotName(ref.name, s.id),
    s.shortId,
    s.hostname,
    shortTime(s.time),
    s.totalBytes === undefined ? '' : formatBytes(s.totalBytes),
    s.paths.join(','),
  ]);
  return renderColumns(headers, rows);
}

/**
 * Finds the snapshots a user named: a full or short restic id (any unique prefix), a Stash
 * Snapshot name `<repository>-<short id>`, or `latest` (the newest, optionally of one host).
 */
export function resolveSnapshots(
  ref: RepositoryRef,
  names: readonly string[],
  available: readonly SnapshotInfo[],
  o: { host?: string } = {},
): Array<{ requested: string; snapshot: SnapshotInfo }> {
  return names.map((requested) => {
    if (requested === 'latest') {
      const pool = o.host === undefined ? available : available.filter((s) => s.hostname === o.host);
      const newest = [...pool].sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).at(-1);
      if (!newest)
        throw new StowageError(
          'NOT_FOUND',
          `${ref.name} has no snapshot${o.host === undefined ? '' : ` of host "${o.host}"`} to take as "latest"`,
        );
      return { requested, snapshot: newest };
    }
    const prefix = `${ref.name}-`;
    const id = requested.startsWith(prefix) ? requested.slice(prefix.length) : requested;
    const matches = /^[0-9a-f]+$/.test(id) ? available.filter((s) => s.id.startsWith(id)) : [];
    if (matches.length === 1) return { requested, snapshot: matches[0]! };
    if (matches.length > 1)
      throw new StowageError(
        'INVALID_INPUT',
        `snapshot "${requested}" is ambiguous in Repository "${ref.name}" (${matches.length} snapshots start with "${id}"); give more of the id`,
      );
    throw new StowageError(
      'NOT_FOUND',
      `snapshot "${requested}" not found in Repository "${ref.name}" in namespace "${ref.namespace}"; list them with: stowage snapshots ${ref.name} -n ${ref.namespace}`,
    );
  });
}
