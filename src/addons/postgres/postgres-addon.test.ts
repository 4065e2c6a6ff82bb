import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppBinding } from '../../api/index.ts';
import type { AddonTarget } from '../addon.ts';
import { postgresConnection } from './connection.ts';
import { createPostgresAddon, parseDatabases } from './postgres-addon.ts';

const binding = (clientConfig: AppBinding['spec']['clientConfig']): AppBinding => ({
  apiVersion: 'appcatalog.appscode.com/v1alpha1',
  kind: 'AppBinding',
  metadata: { name: 'pg', namespace: 'demo' },
  spec: { type: 'kubedb.com/postgres', clientConfig },
});

let scratchDir: string;
beforeEach(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), 'pg-addon-'));
});
afterEach(async () => {
  await rm(scratchDir, { recursive: true, force: true });
});

const target = (over: Partial<AddonTarget> = {}): AddonTarget => ({
  appBinding: binding({
    service: { name: 'pg', scheme: 'postgresql', port: 5432, path: '/', query: 'sslmode=disable' },
  }),
  credentials: { username: 'postgres', password: 'p:a\\ss' },
  args: [],
  params: {},
  scratchDir,
  ...over,
});

describe('postgresConnection', () => {
  it('reads a KubeDB service AppBinding', () => {
    expect(postgresConnection(target())).toEqual({
      host: 'pg.demo.svc',
      port: 5432,
      user: 'postgres',
      password: 'p:a\\ss',
      database: undefined,
      sslMode: 'disable',
      caBundle: undefined,
    });
  });
  it('reads a url, the database in its path, and the POSTGRES_* keys', () => {
    const c = postgresConnection(
      target({
        appBinding: binding({ url: 'postgres://db.example:6432/app?sslmode=require' }),
        credentials: { POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'pw' },
      }),
    );
    expect(c).toMatchObject({
      host: 'db.example',
      port: 6432,
      user: 'u',
      password: 'pw',
      database: 'app',
      sslMode: 'require',
    });
  });
  it('falls back to the user param, then to postgres', () => {
    expect(
      postgresConnection(target({ credentials: { password: 'x' }, params: { user: 'admin' } })).user,
    ).toBe('admin');
    expect(postgresConnection(target({ credentials: { password: 'x' } })).user).toBe('postgres');
  });
  it('fails clearly without a password', () => {
    expect(() => postgresConnection(target({ credentials: { username: 'u' } }))).toThrow(/no "password"/);
  });
});

describe('parseDatabases', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['a,b', ['a', 'b']],
    [' a , b,,a c ', ['a', 'b', 'c']],
  ])('%j', (v, want) => {
    expect(parseDatabases(v)).toEqual(want);
  });
});

describe('postgres plans', () => {
  const addon = createPostgresAddon({ binDir: '/pg/bin', nodeExecutable: '/usr/bin/node' });
  /** The arguments a plan gives one of the addon's node scripts. */
  const scriptArgs = (plan: { command: string[] }, script: string): string[] => {
    expect(plan.command[0]).toBe('/usr/bin/node');
    expect(plan.command[2]?.endsWith(`/${script}`)).toBe(true);
    return plan.command.slice(3);
  };

  it('dumps everything with pg_dumpall --clean --if-exists and keeps the password out of argv', async () => {
    const plan = await addon.planBackup(target({ args: ['--no-role-passwords'] }));
    expect(plan.command).toEqual(['/pg/bin/pg_dumpall', '--clean', '--if-exists', '--no-role-passwords']);
    expect(plan.filename).toBe('dumpfile.sql');
    expect(plan.env).toMatchObject({
      PGHOST: 'pg.demo.svc',
      PGPORT: '5432',
      PGUSER: 'postgres',
      PGSSLMODE: 'disable',
    });
    expect(JSON.stringify(plan)).not.toContain('p:a');
    const passFile = plan.env!.PGPASSFILE!;
    expect(passFile.startsWith(scratchDir)).toBe(true);
    expect((await stat(passFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(passFile, 'utf8')).toBe('*:*:*:postgres:p\\:a\\\\ss\n');
  });

  it('streams selected databases through dump-databases.ts', async () => {
    const plan = await addon.planBackup(target({ params: { databases: 'shop, crm' }, args: ['--no-owner'] }));
    expect(scriptArgs(plan, 'dump-databases.ts')).toEqual([
      '--pg-dump=/pg/bin/pg_dump',
      '--database=shop',
      '--database=crm',
      '--',
      '--no-owner',
    ]);
  });

  it('runs pg_dump with the args when backupCMD=pg_dump (Stash)', async () => {
    const plan = await addon.planBackup(target({ params: { backupCMD: 'pg_dump' }, args: ['shop'] }));
    expect(plan.command).toEqual(['/pg/bin/pg_dump', 'shop']);
    await expect(addon.planBackup(target({ params: { backupCmd: 'mysqldump' } }))).rejects.toThrow(
      /pg_dumpall/,
    );
  });

  it('restores through load-dump.ts into psql with ON_ERROR_STOP, connected to postgres', async () => {
    const plan = await addon.planRestore(target());
    expect(scriptArgs(plan, 'load-dump.ts')).toEqual([
      '--psql=/pg/bin/psql',
      '--user=postgres',
      '--',
      '--no-psqlrc',
      '--quiet',
      '--set=ON_ERROR_STOP=1',
      '--dbname=postgres',
    ]);
    expect(plan.filename).toBe('dumpfile.sql');
  });

  it('restores a plain pg_dump stream in one transaction', async () => {
    const plan = await addon.planRestore(
      target({ params: { backupCMD: 'pg_dump' }, args: ['--dbname=shop'] }),
    );
    expect(plan.command).toEqual([
      '/pg/bin/psql',
      '--no-psqlrc',
      '--quiet',
      '--set=ON_ERROR_STOP=1',
      '--single-transaction',
      '--dbname=postgres',
      '--dbname=shop',
    ]);
  });

  it('waitReady gives up after the timeout with a retryable error', async () => {
    const t = target({ appBinding: binding({ url: 'postgres://127.0.0.1:1/?sslmode=disable' }) });
    await expect(addon.waitReady(t, 1)).rejects.toMatchObject({
      code: 'DATABASE_NOT_READY',
      retryable: true,
    });
  });
});
