/**
 * The user commands against a running `stowage serve` and a real PostgreSQL: `trigger --wait`
 * follows a real backup (the step's progress file is where the CLI looks for it), `snapshots`
 * lists what it made, and `restore --from … --to … --wait` brings a dropped table back.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProgressFile, standaloneProgressFile } from '../../../src/cli/session-progress.ts';
import { DEFAULT_HOST } from '../../../src/core/hostname.ts';
import {
  seedDatabases,
  startPostgres,
  tableChecksums,
  withClient,
  withDatabase,
  type PostgresServer,
} from '../../harness/postgres.ts';
import { appBinding, backupConfiguration, dbAuthSecret, NS, repository, secret } from './fixtures.ts';
import { CliSandbox, logLines, untilPrinted, type RunningCli } from './run-cli.ts';

describe('stowage user commands with serve', () => {
  let pg: PostgresServer;
  let sb: CliSandbox;
  let serve: RunningCli;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await startPostgres();
    await seedDatabases(pg.superuserUrl, { databases: ['shop'], tables: 2, rows: 2_000 });
    sb = await CliSandbox.create();
    // pg_dumpall that starts 2 s late: restic reports progress once a second, so the backup runs
    // long enough for the step to write at least one progress record for `trigger --wait`.
    const shim = join(sb.dir, 'shim');
    await mkdir(shim);
    await writeFile(
      join(shim, 'pg_dumpall'),
      `#!/bin/sh\nsleep 2\nexec '${join(pg.binDir, 'pg_dumpall')}' "$@"\n`,
    );
    await chmod(join(shim, 'pg_dumpall'), 0o755);
    env = { PATH: `${shim}:${pg.binDir}:${sb.env.PATH}` };
    const manifests = await sb.manifest('stack.yaml', [
      secret(),
      repository(join(sb.dir, 'repo')),
      dbAuthSecret(pg.user, pg.password),
      appBinding(
        'sample-postgres',
        'postgres-restore-15.1',
        `postgres://127.0.0.1:${pg.port}/postgres?sslmode=disable`,
      ),
      backupConfiguration(),
    ]);
    serve = sb.start(['serve', '-m', manifests, '--listen', '127.0.0.1:0'], { env });
    await untilPrinted(serve, 'serve to start', (_out, err) => err.includes('stowage is serving'), 30_000);
  });

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.done;
    }
    await sb?.cleanup();
    await pg?.stop();
  });

  it('trigger --wait follows a real backup to Succeeded', async () => {
    const r = await sb.run(['trigger', 'pg-backup', '-n', NS, '--wait', '--timeout', '300'], { env });
    expect(r.code, r.stderr).toBe(0);
    const name = /backupsession\/(\S+) created/.exec(r.stdout)?.[1] ?? '';
    expect(r.stdout).toContain(`backupsession/${name} Succeeded`);
    const lines = logLines(r.stderr);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'phase', object: `backupsession/${name}`, phase: 'Running' }),
    );
    // The backup step reported restic's progress where `--wait` reads it, and --wait showed it.
    const file = standaloneProgressFile(sb.stateDir, 'BackupSession', NS, name);
    expect(existsSync(file), file).toBe(true);
    expect(readProgressFile(file)?.secondsElapsed).toBeGreaterThan(0);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'progress', object: `backupsession/${name}` }),
    );
  });

  it('snapshots lists the dump', async () => {
    const r = await sb.run(['snapshots', 'local-repo', '-n', NS, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const items = (
      JSON.parse(r.stdout) as { items: Array<{ status: { hostname: string; paths: string[] } }> }
    ).items;
    expect(items).toHaveLength(1);
    expect(items[0]?.status).toMatchObject({ hostname: DEFAULT_HOST, paths: ['/dumpfile.sql'] });
  });

  it('restore --from --to --wait brings the data back', async () => {
    const before = await tableChecksums(pg.superuserUrl);
    expect(Object.keys(before).some((k) => k.startsWith('shop.'))).toBe(true);
    // pg_dumpall re-creates databases; loading it over existing tables would duplicate rows.
    await withClient(withDatabase(pg.superuserUrl, 'postgres'), (c) => c.query('DROP DATABASE shop'));
    expect(await tableChecksums(pg.superuserUrl)).not.toEqual(before);
    const r = await sb.run(
      ['restore', '--from', 'local-repo', '--to', 'sample-postgres', '-n', NS, '--wait', '--timeout', '300'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restoresession\/sample-postgres-restore-\w{5} Succeeded/);
    expect(await tableChecksums(pg.superuserUrl)).toEqual(before);
  });
});
