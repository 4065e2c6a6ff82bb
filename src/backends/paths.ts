/** Go's path.Join, which Stash uses for `bucket/prefix`: joins non-empty parts, then cleans. */
import { posix } from 'node:path';

export function goPathJoin(...parts: string[]): string {
  const nonEmpty = parts.filter((p) => p !== '');
  if (nonEmpty.length === 0) return '';
  const cleaned = posix.normalize(nonEmpty.join('/'));
  // Go's Clean drops a trailing slash (except for the root); Node's normalize keeps it.
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

/** The `<kind>:<container>:/<prefix>` form shared by gs, azure, swift and b2; prefix verbatim. */
export function containerRepository(kind: string, container: string, prefix: string | undefined): string {
  return `${kind}:${container}:/${prefix ?? ''}`;
}

/** `--option <kind>.connections=N` when maxConnections is set and positive. */
export function connectionsOption(kind: string, maxConnections: number | undefined): string[] {
  return maxConnections !== undefined && maxConnections > 0
    ? ['--option', `${kind}.connections=${maxConnections}`]
    : [];
}
