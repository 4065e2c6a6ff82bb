import { describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../engine/types.ts';
import { renderSnapshotTable, resolveSnapshots, snapshotName, toSnapshotObject } from './snapshots.ts';

const ref = { namespace: 'demo', name: 'repo' };
const snap = (id: string, hostname: string, time: string, totalBytes?: number): SnapshotInfo => ({
  id,
  shortId: id.slice(0, 8),
  time,
  hostname,
  paths: ['/dumpfile.sql'],
  tags: [],
  ...(totalBytes === undefined ? {} : { totalBytes }),
});
const a = snap('aaaa1111'.padEnd(64, '0'), 'host-0', '2025-01-01T00:00:00.123456789Z', 2048);
const b = snap('aaaa2222'.padEnd(64, '0'), 'host-1', '2025-01-02T00:00:00Z');
const c = snap('cccc3333'.padEnd(64, '0'), 'host-0', '2025-01-03T00:00:00+02:00');

describe('snapshots', () => {
  it('are named <repository>-<first 8 hex> and map to Stash Snapshot objects', () => {
    expect(snapshotName('repo', a.id)).toBe('repo-aaaa1111');
    expect(toSnapshotObject(ref, a)).toEqual({
      apiVersion: 'repositories.stash.appscode.com/v1alpha1',
      kind: 'Snapshot',
      metadata: {
        name: 'repo-aaaa1111',
        namespace: 'demo',
        uid: a.id,
        creationTimestamp: a.time,
        labels: { repository: 'repo', hostname: 'host-0' },
      },
      status: {
        repository: 'repo',
        hostname: 'host-0',
        paths: ['/dumpfile.sql'],
        tags: [],
        totalSize: '2.000 KiB',
      },
    });
  });

  it('table: UTC seconds, sizes when known', () => {
    expect(renderSnapshotTable(ref, [a, b, c]).split('\n')).toEqual([
      'NAME            ID         HOSTNAME   CREATED                SIZE        PATHS',
      'repo-aaaa1111   aaaa1111   host-0     2025-01-01T00:00:00Z   2.000 KiB   /dumpfile.sql',
      'repo-aaaa2222   aaaa2222   host-1     2025-01-02T00:00:00Z               /dumpfile.sql',
      'repo-cccc3333   cccc3333   host-0     2025-01-02T22:00:00Z               /dumpfile.sql',
    ]);
  });

  it('resolve ids, id prefixes, Snapshot names and latest (per host)', () => {
    const all = [a, b, c];
    const ids = (names: string[], host?: string) =>
      resolveSnapshots(ref, names, all, host === undefined ? {} : { host }).map((r) => r.snapshot.shortId);
    expect(ids(['aaaa1111', 'repo-cccc3333', a.id, 'aaaa2'])).toEqual([
      'aaaa1111',
      'cccc3333',
      'aaaa1111',
      'aaaa2222',
    ]);
    // c's time has an offset: 2025-01-02T22:00Z is the newest.
    expect(ids(['latest'])).toEqual(['cccc3333']);
    expect(ids(['latest'], 'host-1')).toEqual(['aaaa2222']);
    expect(() => ids(['aaaa'])).toThrow(/ambiguous.*2 snapshots start with "aaaa"/);
    expect(() => ids(['dddd'])).toThrow(/snapshot "dddd" not found in Repository "repo" in namespace "demo"/);
    expect(() => ids(['latest'], 'nobody')).toThrow(/no snapshot of host "nobody"/);
    expect(() => ids(['not-hex'])).toThrow(/not found/);
  });
});
