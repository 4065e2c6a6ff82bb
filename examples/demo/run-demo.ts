/**
 * `make demo`: the main job on the embedded default, end to end.
 * Starts a throwaway PostgreSQL with sample data, runs `stowage serve` over the example manifests
 * (Secret, Repository on a local folder, AppBinding, BackupConfiguration every minute), waits for
 * a scheduled BackupSession to succeed, drops the data, applies a RestoreSession, checks that the
 * restored data equals the original and prints a summary. Exits non-zero on any mismatch.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStore } from '../../src/runtime/standalone/local-store.ts';
import { openStateDb } from '../../src/runtime/standalone/state-db.ts';
import { seedDatabases, startPostgres, tableChecksums, withClient } from '../../test/harness/postgres.ts';

const root = resolve(import.meta.dirname, '../..');
const stowage = join(root, 'bin/stowage');
const say = (msg: string) => process.stdout.write(`==> ${msg}\n`);

function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'stowage-demo-'));
  const stateDir = join(work, 'state');
  const manifests = join(work, 'manifests');
  mkdirSync(manifests);
  const t0 = Date.now();

  say('starting a throwaway PostgreSQL with sample data');
  const pg = await startPostgres();
  await seedDatabases(pg.superuserUrl, { databases: ['shop', 'crm'], tables: 3, rows: 20_000 });
  const before = await tableChecksums(pg.superuserUrl);
  say(`seeded ${Object.keys(before).length} tables in databases shop, crm`);

  const vars = {
    RESTIC_PASSWORD: 'demo-restic-password',
    PG_USER: pg.user,
    PG_PASSWORD: pg.password,
    PG_PORT: String(pg.port),
    REPO_DIR: join(work, 'repository'),
  };
  const examples = join(root, 'examples/standalone');
  for (const f of readdirSync(examples).filter((f) => /^\d\d-.*\.yaml$/.test(f))) {
    writeFileSync(join(manifests, f), render(readFileSync(join(examples, f), 'utf8'), vars), { mode: 0o600 });
  }

  const env = { ...process.env, STOWAGE_STATE_DIR: stateDir, STOWAGE_LOG_FORMAT: 'json' };
  say('running `stowage serve` with the example manifests (backup every minute)');
  const serveLog = join(work, 'serve.log');
  const serve = spawn(stowage, ['serve', '-m', manifests, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logChunks: Buffer[] = [];
  serve.stderr.on('data', (c: Buffer) => logChunks.push(c));
  let exitCode = 1;
  try {
    const store = await waitFor('the state database', 30_000, () => {
      try {
        return Promise.resolve(new LocalStore(openStateDb(join(stateDir, 'state.db'))));
      } catch {
        return Promise.resolve(undefined);
      }
    });
    const bcPhase = await waitFor('BackupConfiguration Ready', 60_000, async () => {
      const bc = await store.get('BackupConfiguration', 'demo', 'sample-postgres-backup');
      return bc?.status?.phase === 'Ready' ? bc.status.phase : undefined;
    });
    say(
      `BackupConfiguration demo/sample-postgres-backup is ${bcPhase}; waiting for the scheduled BackupSession`,
    );
    const session = await waitFor('a scheduled BackupSession to finish', 150_000, async () => {
      const sessions = await store.list('BackupSession', { namespace: 'demo' });
      return sessions.find((s) => s.status?.phase === 'Succeeded' || s.status?.phase === 'Failed');
    });
    if (session.status?.phase !== 'Succeeded') {
      const target = session.status?.targets?.[0];
      throw new Error(
        `BackupSession ${session.metadata.name} ${session.status?.phase}: ${JSON.stringify(target?.stats ?? target?.conditions)}`,
      );
    }
    const host = session.status.targets?.[0]?.stats?.[0];
    const snap = host?.snapshots?.[0];
    say(
      `BackupSession ${session.metadata.name} Succeeded in ${session.status.sessionDuration} (snapshot ${snap?.name})`,
    );

    say('dropping the data');
    await withClient(pg.superuserUrl, async (c) => {
      await c.query('drop database shop with (force)');
      await c.query('drop database crm with (force)');
    });

    say('applying a RestoreSession');
    writeFileSync(join(work, 'restore.yaml'), readFileSync(join(examples, 'restoresession.yaml')));
    const applied = spawnSync(stowage, ['apply', '-f', join(work, 'restore.yaml')], {
      env,
      encoding: 'utf8',
    });
    if (applied.status !== 0) throw new Error(`stowage apply failed: ${applied.stderr}`);
    const restore = await waitFor('the RestoreSession to finish', 120_000, async () => {
      const rs = await store.get('RestoreSession', 'demo', 'sample-postgres-restore');
      return rs?.status?.phase === 'Succeeded' || rs?.status?.phase === 'Failed' ? rs : undefined;
    });
    if (restore.status?.phase !== 'Succeeded')
      throw new Error(`RestoreSession ${restore.status?.phase}: ${JSON.stringify(restore.status?.stats)}`);

    const after = await tableChecksums(pg.superuserUrl);
    const mismatched = Object.keys(before).filter((k) => before[k] !== after[k]);
    const missing = Object.keys(before).filter((k) => !(k in after));
    if (mismatched.length || missing.length)
      throw new Error(`restored data differs: ${[...mismatched, ...missing].join(', ')}`);
    const repo = await store.get('Repository', 'demo', 'local-repo');

    process.stdout.write(
      [
        '',
        'Stowage demo: summary',
        `  backup session     ${session.metadata.name} (Succeeded, ${session.status.sessionDuration})`,
        `  snapshot           ${snap?.name}  host ${host?.hostname}  path ${snap?.path}`,
        `  size               ${snap?.totalSize}   uploaded ${snap?.uploaded}   processing ${snap?.processingTime}`,
        `  backup step        ${host?.duration}`,
        `  repository         integrity ${String(repo?.status?.integrity)}, ${repo?.status?.snapshotCount} snapshot(s), ${repo?.status?.totalSize}`,
        `  restore session    ${restore.metadata.name} (Succeeded, ${restore.status.sessionDuration})`,
        `  verified           ${Object.keys(before).length} tables: row counts and checksums equal`,
        `  total              ${Math.round((Date.now() - t0) / 1000)}s`,
        '',
      ].join('\n'),
    );
    exitCode = 0;
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    writeFileSync(serveLog, Buffer.concat(logChunks));
    process.stderr.write(`serve log: ${serveLog}; state: ${stateDir}\n`);
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    await pg.stop();
    if (exitCode === 0) rmSync(work, { recursive: true, force: true });
  }
  return exitCode;
}

process.exitCode = await main();
