/**
 * The main job on the embedded default, as a test: PostgreSQL backed up on a schedule into a
 * local-folder repository by `stowage serve`, restored by a RestoreSession, every table compared.
 * Also restoring one chosen snapshot (not the latest) through spec.rules[].snapshots.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../src/api/index.ts';
import { DEFAULT_HOST } from '../../src/core/hostname.ts';
import {
  seedDatabases,
  startPostgres,
  tableChecksums,
  withClient,
  withDatabase,
  type PostgresServer,
} from '../harness/postgres.ts';
import { repoRoot } from '../harness/bin.ts';
import { render, Stowage } from '../harness/stowage.ts';
import { waitFor } from '../harness/wait.ts';
import { expectRepositoryHolds, expectSucceededBackup } from './scenarios/backup.ts';
import { condition } from './support/conditions.ts';
import {
  backupStack,
  cronAt,
  localRepository,
  restoreSession,
  RESTIC_PASSWORD,
} from './support/manifests.ts';
import { checkReadData, parseHumanBytes, snapshots } from './support/restic-cli.ts';

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

const HUMAN_SIZE = /^\d+(\.\d+)? (B|KiB|MiB|GiB)$/;

/** What a first backup of one database dump reports besides expectSucceededBackup(). */
function expectFirstBackupDetails(session: ObjectOf<'BackupSession'>): void {
  expect(session.status?.sessionDuration).toMatch(/^(\d+m)?\d+s$/);
  const host = session.status!.targets![0]!.stats![0]!;
  expect(host.duration).toMatch(/^[\d.]+(ms|s|m)/);
  const snap = host.snapshots![0]!;
  expect(snap.totalSize).toMatch(HUMAN_SIZE);
  expect(snap.uploaded).toMatch(HUMAN_SIZE);
  expect(snap.processingTime).toMatch(/^\d+:\d\d$/);
  // One file per snapshot (the dump), new in a first backup.
  expect(snap.fileStats).toEqual({ totalFiles: 1, newFiles: 1, modifiedFiles: 0, unmodifiedFiles: 0 });
}

describe('local-folder repository', () => {
  it('takes a scheduled backup and restores every table exactly', async () => {
    await seedDatabases(pg.superuserUrl, { databases: ['shop', 'crm'], tables: 2, rows: 3_000 });
    const before = await tableChecksums(pg.superuserUrl);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(6);

    const st = await Stowage.create({ name: 'roundtrip' });
    try {
      // The shipped example manifests: the Secrets, Repository and AppBinding given to serve at start
      // (-m), the BackupConfiguration applied to the running serve with its schedule set to fire
      // once, a few seconds from now (six-field cron with seconds).
      const examples = join(repoRoot, 'examples/standalone');
      const vars = {
        RESTIC_PASSWORD,
        PG_USER: pg.user,
        PG_PASSWORD: pg.password,
        PG_PORT: String(pg.port),
        REPO_DIR: join(st.root, 'repository'),
      };
      const files = readdirSync(examples).filter((f) => /^\d\d-.*\.yaml$/.test(f));
      const bcFile = files.find((f) => f.includes('backupconfiguration'))!;
      for (const f of files.filter((f) => f !== bcFile))
        st.writeManifest(render(readFileSync(join(examples, f), 'utf8'), vars), f);
      await st.start({ manifests: [join(st.root, 'manifests')] });

      const fireAt = new Date(Math.ceil((Date.now() + 6_000) / 1000) * 1000);
      const bcText = render(readFileSync(join(examples, bcFile), 'utf8'), vars);
      expect(bcText).toContain("schedule: '* * * * *'");
      await st.apply(bcText.replace("schedule: '* * * * *'", `schedule: '${cronAt(fireAt)}'`));
      const bc = await st.waitForPhase(
        'BackupConfiguration',
        'demo',
        'sample-postgres-backup',
        ['Ready'],
        30_000,
      );
      expect(condition(bc, 'CronJobCreated')?.status).toBe('True');

      // The scheduler names the session <bc>-<unix seconds of the firing>, which is not before the
      // time the schedule names.
      const session0 = await waitFor(
        'the scheduled BackupSession',
        async () => (await st.backupSessions('demo', 'sample-postgres-backup'))[0],
        { timeoutMs: 40_000, diagnostics: () => st.logTail() },
      );
      expect(session0.metadata.name).toMatch(/^sample-postgres-backup-\d+$/);
      const firedAt = Number(session0.metadata.name!.split('-').pop());
      expect(firedAt).toBeGreaterThanOrEqual(fireAt.getTime() / 1000);
      expect(session0.spec.invoker).toEqual({
        apiGroup: 'stash.appscode.com',
        kind: 'BackupConfiguration',
        name: 'sample-postgres-backup',
      });

      const session = await st.expectFinal('BackupSession', 'demo', session0.metadata.name!);
      const snap = expectSucceededBackup(session);
      expectFirstBackupDetails(session);

      // The Repository status, as update-status writes it, and restic itself agree.
      const place = localRepository(join(st.root, 'repository'));
      await expectRepositoryHolds(st, { namespace: 'demo', name: 'local-repo' }, place, snap.name!);
      const repo = await st.get('Repository', 'demo', 'local-repo');
      expect(repo?.status?.totalSize).toMatch(HUMAN_SIZE);
      expect(repo?.status?.lastBackupTime).toBe(session.metadata.creationTimestamp);
      const target = place.target;
      const snaps = await snapshots(target);
      expect(snaps[0]).toMatchObject({ hostname: DEFAULT_HOST, paths: ['/dumpfile.sql'] });
      // The status sizes are restic's numbers, rounded for humans.
      const summary = snaps[0]!.summary!;
      expect(parseHumanBytes(snap.totalSize!) / summary.total_bytes_processed).toBeCloseTo(1, 2);
      // uploaded = what went to the repository after dedup and compression.
      expect(parseHumanBytes(snap.uploaded!) / summary.data_added_packed).toBeCloseTo(1, 2);
      expect((await checkReadData(target)).ok).toBe(true);

      // Lose the data, restore it with the example RestoreSession (snapshots: [latest]).
      await withClient(pg.superuserUrl, async (c) => {
        await c.query('drop database shop with (force)');
        await c.query('drop database crm with (force)');
      });
      await st.ok(['apply', '-f', join(examples, 'restoresession.yaml')]);
      const restore = await st.expectFinal('RestoreSession', 'demo', 'sample-postgres-restore');
      expect(restore.status?.stats).toEqual([
        expect.objectContaining({ hostname: DEFAULT_HOST, phase: 'Succeeded' }),
      ]);
      expect(restore.status?.sessionDuration).toMatch(/^(\d+m)?\d+s$/);
      expect(await tableChecksums(pg.superuserUrl)).toEqual(before);
    } finally {
      await st.cleanup();
    }
  });

  it('restores the snapshot named in rules[].snapshots, not the latest', async () => {
    await seedDatabases(pg.superuserUrl, { databases: ['shop', 'crm'], tables: 2, rows: 1_000 });
    const n = { namespace: 'pick', bc: 'pick-backup' };
    const st = await Stowage.create({ name: 'pick' });
    try {
      await st.start();
      const place = localRepository(join(st.root, 'repository'));
      await st.setUpBackup(n, backupStack(n, pg, place));

      const state1 = await tableChecksums(pg.superuserUrl);
      const first = await st.expectFinal('BackupSession', n.namespace, await st.trigger(n.namespace, n.bc));
      const id1 = first.status!.targets![0]!.stats![0]!.snapshots![0]!.name!;

      // Change the data, back up again.
      await withClient(withDatabase(pg.superuserUrl, 'shop'), (c) =>
        c.query(`insert into public.items_1 (owner, label) values (1, 'after the first backup')`),
      );
      await withClient(withDatabase(pg.superuserUrl, 'crm'), (c) => c.query('delete from public.items_2'));
      const state2 = await tableChecksums(pg.superuserUrl);
      expect(state2).not.toEqual(state1);
      const second = await st.expectFinal('BackupSession', n.namespace, await st.trigger(n.namespace, n.bc));
      const id2 = second.status!.targets![0]!.stats![0]!.snapshots![0]!.name!;
      expect(id2).not.toBe(id1);
      const snaps = await snapshots(place.target);
      expect(snaps.map((s) => s.short_id).sort()).toEqual([id1, id2].sort());

      // Restore the first snapshot by id: the data is state 1 again, not the latest state 2.
      await st.apply([restoreSession(n, 'restore-first', [id1])]);
      await st.expectFinal('RestoreSession', n.namespace, 'restore-first');
      expect(await tableChecksums(pg.superuserUrl)).toEqual(state1);
    } finally {
      await st.cleanup();
    }
  });
});
