/**
 * The postgres addon against a real PostgreSQL and a real restic, through the engine's Restic
 * class: back up the addon's plan (`restic backup --stdin-from-command`), drop the data, restore
 * (`restic dump | plan`), compare per-table checksums. The repository is a local folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppBinding } from '../../../src/api/index.ts';
import type { AddonTarget, StreamBackupPlan, StreamRestorePlan } from '../../../src/addons/addon.ts';
import { createPostgresAddon } from '../../../src/addons/postgres/index.ts';
import { Restic } from '../../../src/engine/restic.ts';
import { errorMessage } from '../../../src/errors.ts';
import {
  listDatabases,
  seedDatabases,
  startPostgres,
  tableChecksums,
  withClient,
  type PostgresServer,
} from '../../harness/postgres.ts';

const RESTIC = process.env.STOWAGE_RESTIC ?? join(homedir(), '.cache/stowage/tools/restic-0.19.1/restic');

let pgServer: PostgresServer;
let work: string;
let restic: Restic;

async function resticBackup(plan: StreamBackupPlan): Promise<{ code: number; stderr: string }> {
  try {
    await restic.backupFromCommand({ plan, filename: plan.filename, host: 'host-0' });
    return { code: 0, stderr: '' };
  } catch (err) {
    return { code: 1, stderr: errorMessage(err) };
  }
}

async function snapshotCount(): Promise<number> {
  return (await restic.snapshots()).length;
}

/** `restic dump latest <file> | <plan>` */
async function resticRestore(plan: StreamRestorePlan): Promise<{ code: number; stderr: string }> {
  try {
    await restic.dumpToCommand({ filename: plan.filename, plan });
    return { code: 0, stderr: '' };
  } catch (err) {
    return { code: 1, stderr: errorMessage(err) };
  }
}

function target(over: Partial<AddonTarget> & { password?: string } = {}): AddonTarget {
  const appBinding: AppBinding = {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: { name: 'pg', namespace: 'demo' },
    spec: {
      type: 'kubedb.com/postgres',
      version: '15.1',
      clientConfig: { url: `postgres://${pgServer.host}:${pgServer.port}/?sslmode=disable` },
      secret: { kind: 'Secret', name: 'pg-auth' },
    },
  };
  return {
    appBinding,
    credentials: { username: pgServer.user, password: over.password ?? pgServer.password },
    args: [],
    params: {},
    scratchDir: work,
    ...over,
  };
}

const addon = () => createPostgresAddon({ binDir: pgServer.binDir });

async function dropDatabases(names: string[]) {
  await withClient(pgServer.superuserUrl, async (c) => {
    for (const n of names) await c.query(`drop database if exists "${n}" with (force)`);
  });
}

beforeAll(async () => {
  pgServer = await startPostgres();
  work = await mkdtemp(join(tmpdir(), 'stowage-pg-it-'));
  restic = new Restic({
    binary: RESTIC,
    connection: { repository: join(work, 'repo'), env: { RESTIC_PASSWORD: 'repo-password' }, globalArgs: [] },
    cacheDir: join(work, 'cache'),
    logger: pino({ level: 'silent' }),
  });
  await restic.init();
  await seedDatabases(pgServer.superuserUrl, { databases: ['shop', 'crm', 'logs'], tables: 3, rows: 500 });
});

afterAll(async () => {
  await pgServer?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('postgres addon with restic', () => {
  it('waits for the server', async () => {
    await addon().waitReady(target(), 30);
  });

  it('backs up every database with pg_dumpall and restores them after they were dropped', async () => {
    const before = await tableChecksums(pgServer.superuserUrl);
    expect(Object.keys(before).filter((k) => k.startsWith('shop.'))).toHaveLength(4);

    const b = await resticBackup(await addon().planBackup(target()));
    expect(b.code, b.stderr).toBe(0);
    expect(await snapshotCount()).toBe(1);

    await dropDatabases(['shop', 'crm', 'logs']);
    expect(await listDatabases(pgServer.superuserUrl)).toEqual(['postgres']);

    const r = await resticRestore(await addon().planRestore(target()));
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksums(pgServer.superuserUrl)).toEqual(before);
  });

  it('restores over existing databases too (the dump drops and recreates them)', async () => {
    const before = await tableChecksums(pgServer.superuserUrl);
    await withClient(pgServer.superuserUrl.replace('/postgres?', '/shop?'), (c) =>
      c.query('delete from public.items_1 where id % 2 = 0'),
    );
    const r = await resticRestore(await addon().planRestore(target()));
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksums(pgServer.superuserUrl)).toEqual(before);
  });

  it('backs up only the selected databases and restores only those', async () => {
    const before = await tableChecksums(pgServer.superuserUrl);
    const b = await resticBackup(await addon().planBackup(target({ params: { databases: 'shop,crm' } })));
    expect(b.code, b.stderr).toBe(0);

    await dropDatabases(['shop', 'crm', 'logs']);
    const r = await resticRestore(await addon().planRestore(target({ params: { databases: 'shop,crm' } })));
    expect(r.code, r.stderr).toBe(0);

    expect(await listDatabases(pgServer.superuserUrl)).toEqual(['crm', 'postgres', 'shop']);
    const want = Object.fromEntries(Object.entries(before).filter(([k]) => !k.startsWith('logs.')));
    expect(await tableChecksums(pgServer.superuserUrl)).toEqual(want);
  });

  it('fails the backup and leaves no snapshot when the password is wrong', async () => {
    const count = await snapshotCount();
    const all = await resticBackup(await addon().planBackup(target({ password: 'wrong' })));
    expect(all.code).not.toBe(0);
    expect(all.stderr).toMatch(/command failed/);
    const some = await resticBackup(
      await addon().planBackup(target({ password: 'wrong', params: { databases: 'shop' } })),
    );
    expect(some.code).not.toBe(0);
    expect(await snapshotCount()).toBe(count);
    await expect(addon().waitReady(target({ password: 'wrong' }), 5)).rejects.toMatchObject({
      code: 'DATABASE_AUTH_FAILED',
    });
  });

  it('fails the backup when a selected database does not exist', async () => {
    const count = await snapshotCount();
    const b = await resticBackup(await addon().planBackup(target({ params: { databases: 'shop,missing' } })));
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/command failed/);
    expect(await snapshotCount()).toBe(count);
  });
});
