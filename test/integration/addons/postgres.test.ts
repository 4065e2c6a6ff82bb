/**
 * The postgres addon against a real PostgreSQL and a real restic: the addon contract (./contract.ts:
 * pg_dumpall through restic and back, a failing dump, a refused password), then what is the
 * postgres addon's own: a restore over databases that still exist, and the `databases` param,
 * which dumps and restores only the databases it names. The repository is a local folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppBinding } from '../../../src/api/index.ts';
import type { AddonTarget } from '../../../src/addons/addon.ts';
import { createPostgresAddon } from '../../../src/addons/postgres/index.ts';
import { tempDir, tempLocalRepo, type TempRepo } from '../../harness/restic.ts';
import * as pgHarness from '../../harness/postgres.ts';
import { DEFAULT_HOST } from '../../../src/core/hostname.ts';
import { addonContract } from './contract.ts';

const DATABASES = ['shop', 'crm', 'logs'];

let pgServer: pgHarness.PostgresServer;

function target(scratchDir: string, over: Partial<AddonTarget> & { password?: string } = {}): AddonTarget {
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
  const { password, ...rest } = over;
  return {
    appBinding,
    credentials: { username: pgServer.user, password: password ?? pgServer.password },
    args: [],
    params: {},
    scratchDir,
    ...rest,
  };
}

const seed = () =>
  pgHarness.seedDatabases(pgServer.superuserUrl, { databases: DATABASES, tables: 3, rows: 500 });

const addon = createPostgresAddon({ binDir: await pgHarness.postgresBinDir() });

async function dropDatabases(names: string[]): Promise<void> {
  await pgHarness.withClient(pgServer.superuserUrl, async (c) => {
    for (const n of names) await c.query(`drop database if exists "${n}" with (force)`);
  });
}

beforeAll(async () => {
  pgServer = await pgHarness.startPostgres();
});

afterAll(async () => {
  await pgServer?.stop();
});

addonContract('postgres', addon, () =>
  Promise.resolve({
    target: (dir) => target(dir),
    badCredentials: (dir) => target(dir, { password: 'wrong' }),
    // pg_dump of "shop" goes out, then the missing database fails the program.
    failingDump: (dir) =>
      Promise.resolve({
        target: target(dir, { params: { databases: 'shop,missing' } }),
        failure: /database "missing" does not exist/,
      }),
    refusal: /password authentication failed for user/,
    seed: () =>
      pgHarness.seedDatabases(pgServer.superuserUrl, { databases: DATABASES, tables: 3, rows: 500 }),
    contents: () => pgHarness.tableChecksums(pgServer.superuserUrl),
    drop: () => dropDatabases(DATABASES),
    cleanup: async () => {},
  }),
);

describe('postgres addon with restic', () => {
  let repo: TempRepo;
  let scratch: { dir: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    repo = await tempLocalRepo();
    await repo.restic.init();
    scratch = await tempDir('stowage-pg-it-');
    await seed();
  });
  afterAll(async () => {
    await repo?.cleanup();
    await scratch?.cleanup();
  });

  async function backup(over: Partial<AddonTarget> = {}): Promise<void> {
    const plan = await addon.planBackup(target(scratch.dir, over));
    await repo.restic.backupFromCommand({ plan, filename: plan.filename, host: DEFAULT_HOST });
  }

  async function restore(over: Partial<AddonTarget> = {}): Promise<void> {
    const plan = await addon.planRestore(target(scratch.dir, over));
    await repo.restic.dumpToCommand({ host: DEFAULT_HOST, filename: plan.filename, plan });
  }

  it('restores over existing databases too (the dump drops and recreates them)', async () => {
    const before = await pgHarness.tableChecksums(pgServer.superuserUrl);
    await backup();
    await pgHarness.withClient(pgHarness.withDatabase(pgServer.superuserUrl, 'shop'), (c) =>
      c.query('delete from public.items_1 where id % 2 = 0'),
    );
    await restore();
    expect(await pgHarness.tableChecksums(pgServer.superuserUrl)).toEqual(before);
  });

  it('backs up only the selected databases and restores only those', async () => {
    const before = await pgHarness.tableChecksums(pgServer.superuserUrl);
    await backup({ params: { databases: 'shop,crm' } });

    await dropDatabases(DATABASES);
    await restore({ params: { databases: 'shop,crm' } });

    expect(await pgHarness.listDatabases(pgServer.superuserUrl)).toEqual(['crm', 'postgres', 'shop']);
    const want = Object.fromEntries(Object.entries(before).filter(([k]) => !k.startsWith('logs.')));
    expect(await pgHarness.tableChecksums(pgServer.superuserUrl)).toEqual(want);
  });
});
