/**
 * What a PostgreSQL backup and restore must show on either runtime, written once: a succeeded
 * session reports every post-backup action and the snapshot, the Repository and restic agree with
 * it, and a restore into an emptied server brings the data back.
 */
import { expect } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import type { SnapshotStats } from '../../../src/api/stash/v1beta1/backup-session.ts';
import { DEFAULT_HOST } from '../../../src/core/hostname.ts';
import { withClient, type PostgresServer } from '../../harness/postgres.ts';
import type { StowageRuntime } from '../../harness/runtime.ts';
import { condition } from '../support/conditions.ts';
import { restoreSession, type Names, type RepositoryPlace } from '../support/manifests.ts';
import { checkReadData, snapshots } from '../support/restic-cli.ts';

/** The conditions a succeeded BackupSession carries, each True. */
export const POST_BACKUP_CONDITIONS = [
  'BackendRepositoryInitialized',
  'RetentionPolicyApplied',
  'RepositoryIntegrityVerified',
  'RepositoryMetricsPushed',
  'BackupHistoryCleaned',
  'MetricsPushed',
];

/** A Succeeded session of one target and one host with one snapshot of the dump; returns the snapshot. */
export function expectSucceededBackup(session: ObjectOf<'BackupSession'>): SnapshotStats {
  const st = session.status;
  expect(st?.phase).toBe('Succeeded');
  for (const type of POST_BACKUP_CONDITIONS) {
    const c = condition(session, type);
    expect(c?.status, `condition ${type}: ${c?.message}`).toBe('True');
  }
  expect(condition(session, 'BackupSkipped')?.status ?? 'False').toBe('False');
  expect(st?.targets).toHaveLength(1);
  expect(st?.targets?.[0]).toMatchObject({ phase: 'Succeeded', totalHosts: 1 });
  const hosts = st?.targets?.[0]?.stats ?? [];
  expect(hosts).toHaveLength(1);
  expect(hosts[0]).toMatchObject({ hostname: DEFAULT_HOST, phase: 'Succeeded' });
  expect(hosts[0]?.error ?? '').toBe('');
  expect(hosts[0]?.snapshots).toHaveLength(1);
  const snap = hosts[0]!.snapshots![0]!;
  expect(snap.name).toMatch(/^[0-9a-f]{8}$/);
  expect(snap.path).toBe('/dumpfile.sql');
  return snap;
}

/** The Repository's status (as update-status writes it) and restic itself both know exactly `snapshot`. */
export async function expectRepositoryHolds(
  rt: StowageRuntime,
  repository: { namespace: string; name: string },
  place: RepositoryPlace,
  snapshot: string,
): Promise<void> {
  const repo = await rt.get('Repository', repository.namespace, repository.name);
  expect(repo?.status).toMatchObject({ integrity: true, snapshotCount: 1 });
  expect(repo?.status?.lastBackupTime).toBeTruthy();
  expect((await snapshots(place.target)).map((s) => s.short_id)).toEqual([snapshot]);
}

/** Drops `databases`, restores them with RestoreSession `name` (of `snapshots`); returns the Succeeded session. */
export async function dropAndRestore(
  rt: StowageRuntime,
  pg: PostgresServer,
  n: Names,
  o: { name: string; databases: readonly string[]; snapshots?: string[] },
): Promise<ObjectOf<'RestoreSession'>> {
  await withClient(pg.superuserUrl, async (c) => {
    for (const db of o.databases) await c.query(`drop database "${db}" with (force)`);
  });
  await rt.apply([restoreSession(n, o.name, o.snapshots)]);
  return rt.expectFinal('RestoreSession', n.namespace, o.name, 'Succeeded', 240_000);
}

/**
 * After a failed or interrupted backup: the next one succeeds, the repository holds exactly the
 * snapshot it reports (the failed one left none), and every pack reads back.
 */
export async function expectNextBackupRecovers(
  rt: StowageRuntime,
  n: Names,
  place: RepositoryPlace,
): Promise<void> {
  const next = await rt.expectFinal('BackupSession', n.namespace, await rt.trigger(n.namespace, n.bc));
  const reported = next.status!.targets![0]!.stats![0]!.snapshots![0]!.name;
  expect((await snapshots(place.target)).map((s) => s.short_id)).toEqual([reported]);
  const check = await checkReadData(place.target);
  expect(check.ok, check.output).toBe(true);
}
