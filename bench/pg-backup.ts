/**
 * `make bench`: PostgreSQL backup through Stowage against the same dump piped into restic by hand.
 *
 * 1. Starts a throw-away PostgreSQL (test/harness/postgres.ts) and fills a ~1 GB database with
 *    varied rows (./lib/dataset.ts); nothing is cached between runs or kept in the clone.
 * 2. Full backup, `runs` times each, interleaved, every run into a fresh initialised repository
 *    with a fresh restic cache folder, same restic binary, same dump command:
 *    - Stowage: the in-job step exactly as a Job runs it (`node src/cli/main.ts backup postgres`
 *      with the catalog Function's flags and the job runner's environment) against a state folder
 *      holding the applied objects; the addon runs `pg_dumpall --clean --if-exists` under restic
 *      `backup --stdin-from-command`;
 *    - by hand: `pg_dumpall --clean --if-exists | restic backup --stdin --stdin-filename
 *      dumpfile.sql --host host-0 --json --quiet` with the same libpq settings.
 *    Plus whole sessions on the standalone runtime: `stowage serve`, then `stowage trigger --wait`.
 * 3. Incremental: 1% of the rows changed three ways (random UPDATE, one contiguous id range,
 *    appended rows), one Stowage backup after each; fraction = data_added_packed of that backup /
 *    data_added_packed of the first full backup (restic's snapshot summaries).
 * 4. Peak RSS of the step's process tree (./lib/rss.ts) on the ~1 GB and on a ≥3 GB database.
 * Writes bench/results/pg.json and the PostgreSQL section of docs/benchmarks.md.
 *
 * Knobs (env): STOWAGE_BENCH_SMALL_GB (1), STOWAGE_BENCH_LARGE_GB (3), STOWAGE_BENCH_RUNS (7),
 * STOWAGE_BENCH_SESSIONS (2), STOWAGE_BENCH_LARGE_RUNS (2), STOWAGE_BENCH_KEEP=1 keeps the work folder, STOWAGE_BENCH_NO_DOCS=1
 * leaves docs/benchmarks.md alone, STOWAGE_BENCH_OUT=<file> writes the JSON elsewhere,
 * STOWAGE_BENCH_NO_COMPILE_CACHE=1 runs the stowage processes without node's compile cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LocalStore } from '../src/runtime/standalone/local-store.ts';
import { openStateDb } from '../src/runtime/standalone/state-db.ts';
import { startPostgres, withClient } from '../test/harness/postgres.ts';
import { toolPath } from '../test/harness/tools.ts';
import {
  changeOnePercent,
  generateDatabase,
  type ChangeKind,
  type GeneratedDatabase,
} from './lib/dataset.ts';
import { median, ResticCli, runTimed, timeCommand, type SnapshotSummary, type Timed } from './lib/proc.ts';
import { lifetimeOf, peakOf, type TreePeak } from './lib/rss.ts';
import { renderMarkdown, renderTable, writeDocsSection, type BenchResult } from './lib/report.ts';

const root = resolve(import.meta.dirname, '..');
/** Every stowage process starts the way a user's does: through bin/stowage (node flags included). */
const stowageBin = join(root, 'bin/stowage');
const GB = 1e9;
const NS = 'bench';
const num = (name: string, dflt: number) => {
  const raw = process.env[name];
  const v = Number(raw);
  return raw && Number.isFinite(v) && v >= 0 ? v : dflt;
};
const SMALL_BYTES = num('STOWAGE_BENCH_SMALL_GB', 1) * GB;
const LARGE_BYTES = num('STOWAGE_BENCH_LARGE_GB', 3) * GB;
const RUNS = Math.max(1, Math.round(num('STOWAGE_BENCH_RUNS', 7)));
const SESSIONS = Math.round(num('STOWAGE_BENCH_SESSIONS', 2));
const LARGE_RUNS = Math.max(1, Math.round(num('STOWAGE_BENCH_LARGE_RUNS', 2)));
const NO_COMPILE_CACHE = Boolean(process.env.STOWAGE_BENCH_NO_COMPILE_CACHE);
const OUT = process.env.STOWAGE_BENCH_OUT ?? 'bench/results/pg.json';
const RESTIC_PASSWORD = 'bench-restic-password';

const t0 = Date.now();
const say = (msg: string) =>
  process.stdout.write(`[${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${msg}\n`);
const mb = (bytes: number) => bytes / 1024 / 1024;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function manifests(o: { pgPort: number; pgUser: string; pgPassword: string; repoDir: string }): string {
  const q = (s: string) => JSON.stringify(s); // JSON strings are YAML strings
  return `apiVersion: v1
kind: Secret
metadata: {name: repo-secret, namespace: ${NS}}
stringData: {RESTIC_PASSWORD: ${q(RESTIC_PASSWORD)}}
---
apiVersion: v1
kind: Secret
metadata: {name: pg-auth, namespace: ${NS}}
stringData: {username: ${q(o.pgUser)}, password: ${q(o.pgPassword)}}
---
apiVersion: stash.appscode.com/v1alpha1
kind: Repository
metadata: {name: repo, namespace: ${NS}}
spec:
  backend:
    local: {mountPath: ${q(o.repoDir)}}
    storageSecretName: repo-secret
---
apiVersion: appcatalog.appscode.com/v1alpha1
kind: AppBinding
metadata: {name: pg, namespace: ${NS}}
spec:
  type: kubedb.com/postgres
  version: '15.1'
  clientConfig: {url: 'postgres://127.0.0.1:${o.pgPort}/postgres?sslmode=disable'}
  secret: {name: pg-auth}
  parameters:
    apiVersion: appcatalog.appscode.com/v1alpha1
    kind: StashAddon
    stash:
      addon:
        backupTask: {name: postgres-backup-15.1}
        restoreTask: {name: postgres-restore-15.1}
---
apiVersion: stash.appscode.com/v1beta1
kind: BackupConfiguration
metadata: {name: pg-backup, namespace: ${NS}}
spec:
  schedule: '0 0 1 1 *'
  repository: {name: repo}
  target: {ref: {apiVersion: appcatalog.appscode.com/v1alpha1, kind: AppBinding, name: pg}}
  retentionPolicy: {name: keep-last-5, keepLast: 5, prune: false}
`;
}

interface StepRun {
  timed: Timed;
  snapshot: SnapshotSummary;
  /** From the step's log: seconds from spawn to "waiting for the database", to "backup started", to "backup succeeded". */
  marks: Record<string, number>;
}

interface HandRun {
  timed: Timed;
  snapshot: SnapshotSummary;
}

async function main(): Promise<number> {
  const loadStart = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'stowage-bench-'));
  const resticBin = await toolPath('restic');
  say(`work folder ${work}; restic ${resticBin}`);
  const pg = await startPostgres();
  const pathEnv = [pg.binDir, process.env.PATH ?? '/usr/bin:/bin'].join(':');
  const restic = new ResticCli(resticBin, RESTIC_PASSWORD, { PATH: pathEnv, HOME: process.env.HOME ?? work });
  let code = 1;
  try {
    await withClient(pg.superuserUrl, async (c) => {
      // Bulk loading only; the dumps read what is there either way.
      await c.query(`alter system set max_wal_size = '8GB'`);
      await c.query('select pg_reload_conf()');
    });

    // --- Stowage: a state folder with the objects applied, as `stowage apply` leaves it.
    const stepState = join(work, 'step-state');
    const stepRepo = join(work, 'repo-stowage');
    const handRepo = join(work, 'repo-hand');
    const manifestDir = join(work, 'manifests');
    mkdirSync(manifestDir);
    writeFileSync(
      join(manifestDir, 'objects.yaml'),
      manifests({ pgPort: pg.port, pgUser: pg.user, pgPassword: pg.password, repoDir: stepRepo }),
      { mode: 0o600 },
    );
    // What the job runner hands to every step (src/cli/config.ts childEnv).
    const stepEnv = (stateDir: string): Record<string, string> => ({
      PATH: pathEnv,
      HOME: process.env.HOME ?? work,
      STOWAGE_STATE_DIR: stateDir,
      STOWAGE_RESTIC: resticBin,
      STOWAGE_LOG_LEVEL: 'info',
      STOWAGE_LOG_FORMAT: 'json',
      // STOWAGE_BENCH_NO_COMPILE_CACHE=1 measures Stowage as it was before bin/stowage enabled it.
      ...(NO_COMPILE_CACHE ? { NODE_DISABLE_COMPILE_CACHE: '1' } : {}),
    });
    const stowage = (args: string[], stateDir: string) =>
      execFileSync(stowageBin, args, { env: stepEnv(stateDir), encoding: 'utf8' });
    stowage(['apply', '-f', manifestDir], stepState);

    // libpq settings as the addon writes them (src/addons/postgres/connection.ts).
    const passFile = join(work, 'pgpass');
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
    writeFileSync(passFile, `*:*:*:${esc(pg.user)}:${esc(pg.password)}\n`, { mode: 0o600 });
    const libpq = {
      PGHOST: pg.host,
      PGPORT: String(pg.port),
      PGUSER: pg.user,
      PGPASSFILE: passFile,
      PGCONNECT_TIMEOUT: '30',
      PGAPPNAME: 'stowage',
    };

    let stepCounter = 0;
    const runStep = async (
      label: string,
      opts: { freshRepo: boolean; env?: Record<string, string> },
    ): Promise<StepRun> => {
      const n = ++stepCounter;
      const session = `step-${n}`;
      writeFileSync(
        join(work, `${session}.yaml`),
        `apiVersion: stash.appscode.com/v1beta1
kind: BackupSession
metadata: {name: ${session}, namespace: ${NS}}
spec:
  invoker: {apiGroup: stash.appscode.com, kind: BackupConfiguration, name: pg-backup}
`,
      );
      stowage(['apply', '-f', join(work, `${session}.yaml`)], stepState);
      if (opts.freshRepo) await restic.freshRepository(stepRepo);
      // A Job gets a new work folder, so the step's restic cache starts empty every time.
      const scratch = join(work, 'jobs', session, 'stash-tmp');
      mkdirSync(scratch, { recursive: true });
      // The catalog Function's args (deploy/catalog/postgres.yaml) as the job runner resolves them.
      const argv = [
        stowageBin,
        'backup',
        'postgres',
        '--provider=local',
        '--bucket=',
        '--endpoint=',
        '--region=',
        `--path=`,
        '--storage-secret-name=repo-secret',
        `--storage-secret-namespace=${NS}`,
        `--scratch-dir=${scratch}`,
        '--enable-cache=true',
        '--max-connections=0',
        '--wait-timeout=300',
        '--hostname=host-0',
        `--namespace=${NS}`,
        '--appbinding=pg',
        `--appbinding-namespace=${NS}`,
        `--backupsession=${session}`,
        '--repository=repo',
        `--repository-namespace=${NS}`,
        '--args=',
        '--backup-cmd=',
        '--user=',
        '--databases=',
        `--output-dir=${join(scratch, 'output')}`,
      ];
      const log = join(work, `${session}.log`);
      const timed = await runTimed(argv, { ...stepEnv(stepState), ...opts.env }, log);
      const output = JSON.parse(readFileSync(join(scratch, 'output', 'output.json'), 'utf8')) as {
        targetStatus: { stats: Array<{ phase: string; error?: string }> };
      };
      const host = output.targetStatus.stats[0];
      if (timed.exitCode !== 0 || host?.phase !== 'Succeeded')
        throw new Error(
          `Stowage step ${session} failed (${host?.error ?? `exit ${timed.exitCode}`}); log ${log}`,
        );
      const marks: Record<string, number> = {};
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        const m = JSON.parse(line) as { msg?: string; time?: number };
        if (m.msg && m.time && !(m.msg in marks)) marks[m.msg] = (m.time - timed.startedAt) / 1000;
      }
      const snapshot = await restic.latest(stepRepo);
      rmSync(join(work, 'jobs', session), { recursive: true, force: true });
      say(
        `  ${label}: Stowage step ${timed.seconds.toFixed(1)}s, cpu ${timed.cpuSeconds?.toFixed(1)}s (restic ${snapshot.resticSeconds.toFixed(1)}s), tree peak ${timed.tree.treePeakMb.toFixed(0)} MiB`,
      );
      return { timed, snapshot, marks };
    };

    let handCounter = 0;
    const runHand = async (label: string): Promise<HandRun> => {
      const n = ++handCounter;
      await restic.freshRepository(handRepo);
      const cache = join(work, `hand-cache-${n}`);
      const script =
        'set -o pipefail; pg_dumpall --clean --if-exists | ' +
        '"$RESTIC_BIN" --cache-dir "$CACHE_DIR" backup --stdin --stdin-filename dumpfile.sql --host host-0 --json --quiet';
      const timed = await runTimed(
        ['bash', '-c', script],
        { ...restic.env(handRepo), ...libpq, RESTIC_BIN: resticBin, CACHE_DIR: cache },
        join(work, `hand-${n}.log`),
      );
      if (timed.exitCode !== 0)
        throw new Error(`hand-piped run ${n} failed: see ${join(work, `hand-${n}.log`)}`);
      const snapshot = await restic.latest(handRepo);
      rmSync(cache, { recursive: true, force: true });
      say(
        `  ${label}: hand-piped ${timed.seconds.toFixed(1)}s, cpu ${timed.cpuSeconds?.toFixed(1)}s (restic ${snapshot.resticSeconds.toFixed(1)}s), tree peak ${timed.tree.treePeakMb.toFixed(0)} MiB`,
      );
      return { timed, snapshot };
    };

    // ---------------------------------------------------------------- ~1 GB
    say(`generating the ~${SMALL_BYTES / GB} GB database`);
    const small = await generateDatabase(pg.superuserUrl, 'bench', SMALL_BYTES);
    settle();
    say(
      `  ${(small.bytes / GB).toFixed(2)} GB (${small.orders} orders, ${small.events} events) in ${small.seconds.toFixed(0)}s`,
    );

    say('warm-up (not counted): pg_dumpall > /dev/null, so both sides find the tables in the page cache');
    execFileSync('bash', ['-c', 'pg_dumpall --clean --if-exists > /dev/null'], {
      env: { PATH: pathEnv, ...libpq },
      stdio: 'ignore',
    });

    say(`full backup, ${RUNS} runs each, interleaved`);
    const steps: StepRun[] = [];
    const hands: HandRun[] = [];
    for (let i = 1; i <= RUNS; i++) {
      // Alternate who goes first, so a drift in the machine's speed hits both sides alike.
      if (i % 2) {
        steps.push(await runStep(`run ${i}`, { freshRepo: true }));
        hands.push(await runHand(`run ${i}`));
      } else {
        hands.push(await runHand(`run ${i}`));
        steps.push(await runStep(`run ${i}`, { freshRepo: true }));
      }
    }

    say('one more Stowage step with a cold node compile cache (a fresh container without a baked cache)');
    const cold = await runStep('cold start', {
      freshRepo: true,
      env: { NODE_COMPILE_CACHE: join(work, `node-compile-cache-cold`) },
    });

    say('fixed costs: CLI start-up (warm and cold compile cache), one restic call that opens the repository');
    const nodeStart: number[] = [];
    const nodeStartCold: number[] = [];
    const resticCall: number[] = [];
    for (let i = 0; i < 3; i++) {
      nodeStart.push(await timeCommand([stowageBin, '--version'], stepEnv(stepState)));
      nodeStartCold.push(
        await timeCommand([stowageBin, '--version'], {
          ...stepEnv(stepState),
          NODE_DISABLE_COMPILE_CACHE: '1',
        }),
      );
      resticCall.push(await timeCommand([resticBin, '--no-cache', 'cat', 'config'], restic.env(stepRepo)));
    }

    say('incremental: change 1% of the rows, back up again (same repository)');
    // The repository of the cold-start run holds the full snapshot; each following backup
    // adds what changed since the one before: its data_added_packed over the full one's.
    const base = cold;
    const incremental: Array<{
      kind: ChangeKind;
      rowsChanged: number;
      rowsTotal: number;
      dataAdded: number;
      dataAddedPacked: number;
      fraction: number;
      fractionUnpacked: number;
      seconds: number;
    }> = [];
    let seed = 101;
    for (const kind of ['random', 'clustered', 'append'] as const) {
      const change = await changeOnePercent(pg.superuserUrl, 'bench', kind, seed++);
      await withClient(pg.superuserUrl, (c) => c.query('checkpoint'));
      settle();
      const run = await runStep(`after 1% ${kind}`, { freshRepo: false });
      incremental.push({
        ...change,
        dataAdded: run.snapshot.dataAdded,
        dataAddedPacked: run.snapshot.dataAddedPacked,
        fraction: run.snapshot.dataAddedPacked / base.snapshot.dataAddedPacked,
        fractionUnpacked: run.snapshot.dataAdded / base.snapshot.dataAdded,
        seconds: run.timed.seconds,
      });
      say(
        `    ${kind}: ${change.rowsChanged} of ${change.rowsTotal} rows; uploaded ${mb(run.snapshot.dataAddedPacked).toFixed(1)} MiB packed = ${(incremental.at(-1)!.fraction * 100).toFixed(1)}% of the full backup`,
      );
    }

    // ---------------------------------------------------------------- whole sessions
    const sessions: Array<{ wallSeconds: number; sessionDuration: string; stepDuration: string }> = [];
    if (SESSIONS > 0) {
      say(
        `whole sessions on the standalone runtime: stowage serve + stowage trigger --wait, ${SESSIONS} runs`,
      );
      sessions.push(...(await runSessions(work, pg, restic, stepEnv)));
    }

    // ---------------------------------------------------------------- ≥3 GB
    say(`generating the ≥${LARGE_BYTES / GB} GB database (the ~1 GB one is dropped first)`);
    await withClient(pg.superuserUrl, (c) => c.query('drop database bench with (force)'));
    const large = await generateDatabase(pg.superuserUrl, 'bench_large', LARGE_BYTES);
    say(
      `  ${(large.bytes / GB).toFixed(2)} GB (${large.orders} orders, ${large.events} events) in ${large.seconds.toFixed(0)}s`,
    );
    settle();
    // Two runs each, in the order S H H S, so a steady drift in the machine's load evens out.
    const largeSteps: StepRun[] = [];
    const largeHands: HandRun[] = [];
    for (let i = 1; i <= LARGE_RUNS; i++) {
      if (i % 2) {
        largeSteps.push(await runStep(`≥3 GB run ${i}`, { freshRepo: true }));
        largeHands.push(await runHand(`≥3 GB run ${i}`));
      } else {
        largeHands.push(await runHand(`≥3 GB run ${i}`));
        largeSteps.push(await runStep(`≥3 GB run ${i}`, { freshRepo: true }));
      }
    }
    rmSync(stepRepo, { recursive: true, force: true });
    rmSync(handRepo, { recursive: true, force: true });

    // ---------------------------------------------------------------- results
    const versions = {
      node: process.version,
      restic: await restic.version(),
      pg_dumpall: execFileSync(join(pg.binDir, 'pg_dumpall'), ['--version'], { encoding: 'utf8' }).trim(),
      postgres_server: await withClient(
        pg.superuserUrl,
        async (c) => (await c.query<{ v: string }>(`select current_setting('server_version') v`)).rows[0]!.v,
      ),
      stowage: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
      git_commit: gitCommit(),
    };
    const result = buildResult({
      small,
      large,
      steps,
      hands,
      base,
      incremental,
      sessions,
      largeSteps,
      largeHands,
      cold,
      nodeStart,
      nodeStartCold,
      resticCall,
      versions,
      totalSeconds: (Date.now() - t0) / 1000,
      loadStart,
    });
    mkdirSync(dirname(resolve(root, OUT)), { recursive: true });
    writeFileSync(resolve(root, OUT), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\n${renderTable(result)}\n`);
    if (!process.env.STOWAGE_BENCH_NO_DOCS) {
      writeDocsSection(join(root, 'docs/benchmarks.md'), renderMarkdown(result));
      say(`wrote ${OUT} and the PostgreSQL section of docs/benchmarks.md`);
    } else {
      say(`wrote ${OUT}`);
    }
    code = 0;
  } catch (e) {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.stderr.write(`work folder kept: ${work}\n`);
  } finally {
    await pg.stop();
    if (code === 0 && !process.env.STOWAGE_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  }
  return code;
}

async function runSessions(
  work: string,
  pg: { port: number; user: string; password: string },
  restic: ResticCli,
  stepEnv: (stateDir: string) => Record<string, string>,
): Promise<Array<{ wallSeconds: number; sessionDuration: string; stepDuration: string }>> {
  const state = join(work, 'session-state');
  const repo = join(work, 'repo-session');
  const dir = join(work, 'session-manifests');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'objects.yaml'),
    manifests({ pgPort: pg.port, pgUser: pg.user, pgPassword: pg.password, repoDir: repo }),
    {
      mode: 0o600,
    },
  );
  const env = stepEnv(state);
  const serve = spawn(stowageBin, ['serve', '-m', dir, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const serveLog: Buffer[] = [];
  serve.stderr.on('data', (c: Buffer) => serveLog.push(c));
  const out: Array<{ wallSeconds: number; sessionDuration: string; stepDuration: string }> = [];
  try {
    const store = await waitFor('the state database', 30_000, () => {
      try {
        return Promise.resolve(new LocalStore(openStateDb(join(state, 'state.db'))));
      } catch {
        return Promise.resolve(undefined);
      }
    });
    await waitFor('BackupConfiguration Ready', 60_000, async () => {
      const bc = await store.get('BackupConfiguration', NS, 'pg-backup');
      return bc?.status?.phase === 'Ready' ? true : undefined;
    });
    for (let i = 1; i <= SESSIONS; i++) {
      await restic.freshRepository(repo);
      const timed = await runTimed(
        [stowageBin, 'trigger', 'pg-backup', '-n', NS, '--wait', '--timeout', '1800'],
        env,
        join(work, `trigger-${i}.log`),
      );
      const sessions = await store.list('BackupSession', { namespace: NS });
      const newest = sessions
        .sort((a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
        )
        .at(-1);
      if (timed.exitCode !== 0 || newest?.status?.phase !== 'Succeeded')
        throw new Error(
          `session ${i} did not succeed (${newest?.status?.phase ?? 'no session'}); see ${join(work, `trigger-${i}.log`)}`,
        );
      const run = {
        wallSeconds: timed.seconds,
        sessionDuration: newest.status.sessionDuration ?? '',
        stepDuration: newest.status.targets?.[0]?.stats?.[0]?.duration ?? '',
      };
      out.push(run);
      say(
        `  session ${i}: ${run.wallSeconds.toFixed(1)}s from trigger to Succeeded (sessionDuration ${run.sessionDuration}, backup step ${run.stepDuration})`,
      );
    }
  } catch (e) {
    writeFileSync(join(work, 'serve.log'), Buffer.concat(serveLog));
    throw e;
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
  return out;
}

/** Flushes dirty pages (a fresh load or UPDATE), so write-back does not run into a timed backup. */
function settle(): void {
  execFileSync('sync');
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (src/ modified)` : head;
  } catch {
    return 'unknown';
  }
}

function treeSummary(tree: TreePeak) {
  return {
    tree_peak_mb: round(tree.treePeakMb, 1),
    concurrent_peak_mb: round(tree.concurrentPeakMb, 1),
    node_mb: round(peakOf(tree, 'node'), 1),
    restic_backup_mb: round(peakOf(tree, 'restic', 'backup'), 1),
    restic_max_any_call_mb: round(peakOf(tree, 'restic'), 1),
    pg_dumpall_mb: round(peakOf(tree, 'pg_dumpall'), 1),
    pg_dump_mb: round(peakOf(tree, 'pg_dump'), 1),
    samples: tree.samples,
  };
}

function buildResult(r: {
  small: GeneratedDatabase;
  large: GeneratedDatabase;
  steps: StepRun[];
  hands: HandRun[];
  base: StepRun;
  incremental: Array<{
    kind: ChangeKind;
    rowsChanged: number;
    rowsTotal: number;
    dataAdded: number;
    dataAddedPacked: number;
    fraction: number;
    fractionUnpacked: number;
    seconds: number;
  }>;
  sessions: Array<{ wallSeconds: number; sessionDuration: string; stepDuration: string }>;
  largeSteps: StepRun[];
  largeHands: HandRun[];
  cold: StepRun;
  nodeStart: number[];
  nodeStartCold: number[];
  resticCall: number[];
  versions: Record<string, string>;
  totalSeconds: number;
  loadStart: number[];
}): BenchResult {
  const stepMedian = median(r.steps.map((s) => s.timed.seconds));
  // The restic backup process's own wall time, from the tree sampler; the rest of a run's wall
  // time is what surrounds it (node start-up, the other restic calls, bash): measured inside the
  // same run, so it is far less exposed to the machine's load changing between runs.
  const resticWall = (t: Timed) => lifetimeOf(t.tree, 'restic', 'backup') ?? Number.NaN;
  const stepResticWall = r.steps.map((s) => resticWall(s.timed));
  const handResticWall = r.hands.map((h) => resticWall(h.timed));
  const stepOverhead = r.steps.map((s, i) => s.timed.seconds - stepResticWall[i]!);
  const handOverhead = r.hands.map((h, i) => h.timed.seconds - handResticWall[i]!);
  const pairRatios = r.steps.map((s, i) => s.timed.seconds / r.hands[i]!.timed.seconds);
  // Where a step's time goes, from the sampler's view of its processes (±50 ms each).
  const breakdown = (t: Timed) => {
    const first = (name: string, detail?: string) =>
      t.tree.processes.find((p) => p.name === name && (detail === undefined || p.detail === detail));
    const node = first('node');
    const probe = first('restic', 'cat');
    const parts = {
      node_start_to_first_restic: node && probe ? (probe.firstSeenMs - node.firstSeenMs) / 1000 : Number.NaN,
      restic_probe_cat_config: lifetimeOf(t.tree, 'restic', 'cat') ?? Number.NaN,
      restic_list_locks: lifetimeOf(t.tree, 'restic', 'list') ?? Number.NaN,
      restic_backup: lifetimeOf(t.tree, 'restic', 'backup') ?? Number.NaN,
      restic_snapshots_verify: lifetimeOf(t.tree, 'restic', 'snapshots') ?? Number.NaN,
    };
    return { ...parts, rest: t.seconds - Object.values(parts).reduce((a, b) => a + b, 0) };
  };
  const breakdowns = r.steps.map((s) => breakdown(s.timed));
  const breakdownMedian = Object.fromEntries(
    Object.keys(breakdowns[0]!).map((k) => [
      k,
      round(median(breakdowns.map((b) => b[k as keyof (typeof breakdowns)[0]]))),
    ]),
  );
  const largeStepMedian = median(r.largeSteps.map((s) => s.timed.seconds));
  const largeHandMedian = median(r.largeHands.map((h) => h.timed.seconds));
  const peakTree = (runs: Array<{ timed: Timed }>) =>
    runs.reduce((a, b) => (b.timed.tree.treePeakMb > a.timed.tree.treePeakMb ? b : a)).timed.tree;
  const handMedian = median(r.hands.map((h) => h.timed.seconds));
  const random = r.incremental.find((i) => i.kind === 'random')!;
  // Warm compile cache, as in the ≥3 GB run: the cold start is reported on its own.
  const rssSmall = Math.max(...r.steps.map((s) => s.timed.tree.treePeakMb));
  const markMedian = (msg: string) => round(median(r.steps.map((s) => s.marks[msg] ?? Number.NaN)), 2);
  return {
    benchmark: 'postgres-backup',
    date: new Date().toISOString(),
    command: 'make bench',
    ratio_vs_hand_piped: round(stepMedian / handMedian, 3),
    ratio_from_overhead: round(
      (median(r.hands.map((h) => h.timed.seconds)) + median(stepOverhead) - median(handOverhead)) /
        median(r.hands.map((h) => h.timed.seconds)),
      3,
    ),
    ratio_from_overhead_definition:
      '(hand-piped median + median time the Stowage step spends outside its restic backup process − the same for the hand-piped run) / hand-piped median: the ratio with the machine load taken out',
    incremental_upload_fraction: round(random.fraction, 4),
    incremental_upload_measure: 'data_added_packed (bytes written to the repository after compression)',
    rss_mb_small: round(rssSmall, 1),
    rss_mb_large: round(peakTree(r.largeSteps).treePeakMb, 1),
    rss_mb_small_cold_start: round(r.cold.timed.tree.treePeakMb, 1),
    rss_definition:
      "MiB. Peak RSS of the whole process tree of `stowage backup postgres` (node + restic + pg_dumpall + sh + pg_dump), the tree a Job's memory limit applies to: max over 50 ms samples of the sum of each live process's VmHWM (its own peak so far), so an upper bound. Warm node compile cache; rss_mb_small_cold_start is the same with a cold one",
    goals: { ratio_vs_hand_piped: 1.1, incremental_upload_fraction: 0.05, rss_mb: 200 },
    dataset: {
      small: {
        database_bytes: r.small.bytes,
        rows: r.small.orders + r.small.events,
        dump_bytes: r.steps[0]!.snapshot.totalBytesProcessed,
        repository_bytes_packed: r.steps[0]!.snapshot.dataAddedPacked,
        generate_seconds: round(r.small.seconds, 1),
      },
      large: {
        database_bytes: r.large.bytes,
        rows: r.large.orders + r.large.events,
        dump_bytes: r.largeSteps[0]!.snapshot.totalBytesProcessed,
        repository_bytes_packed: r.largeSteps[0]!.snapshot.dataAddedPacked,
        generate_seconds: round(r.large.seconds, 1),
      },
    },
    full_backup: {
      runs: r.steps.length,
      stowage_step_seconds: r.steps.map((s) => round(s.timed.seconds)),
      hand_piped_seconds: r.hands.map((h) => round(h.timed.seconds)),
      stowage_step_median_seconds: round(stepMedian),
      hand_piped_median_seconds: round(handMedian),
      paired_ratios: pairRatios.map((x) => round(x, 3)),
      paired_ratio_median: round(median(pairRatios), 3),
      stowage_restic_backup_process_seconds: stepResticWall.map((x) => round(x)),
      hand_restic_backup_process_seconds: handResticWall.map((x) => round(x)),
      stowage_overhead_seconds: stepOverhead.map((x) => round(x)),
      hand_overhead_seconds: handOverhead.map((x) => round(x)),
      stowage_overhead_median_seconds: round(median(stepOverhead)),
      stowage_step_breakdown_median_seconds: breakdownMedian,
      hand_overhead_median_seconds: round(median(handOverhead)),
      stowage_step_cpu_seconds: r.steps.map((s) => round(s.timed.cpuSeconds ?? Number.NaN)),
      hand_piped_cpu_seconds: r.hands.map((h) => round(h.timed.cpuSeconds ?? Number.NaN)),
      cpu_ratio_median: round(
        median(r.steps.map((s) => s.timed.cpuSeconds ?? Number.NaN)) /
          median(r.hands.map((h) => h.timed.cpuSeconds ?? Number.NaN)),
        3,
      ),
      stowage_restic_backup_median_seconds: round(median(r.steps.map((s) => s.snapshot.resticSeconds))),
      hand_restic_backup_median_seconds: round(median(r.hands.map((h) => h.snapshot.resticSeconds))),
      stowage_step_marks_median_seconds: {
        repository_ready_database_probe: markMedian('waiting for the database'),
        dump_started: markMedian('backup started'),
        backup_succeeded: markMedian('backup succeeded'),
      },
      throughput_mb_per_s: {
        stowage: round(mb(r.steps[0]!.snapshot.totalBytesProcessed) / stepMedian, 1),
        hand_piped: round(mb(r.hands[0]!.snapshot.totalBytesProcessed) / handMedian, 1),
      },
      cold_start_step_seconds: round(r.cold.timed.seconds),
      large: {
        runs: r.largeSteps.length,
        stowage_step_seconds: r.largeSteps.map((s) => round(s.timed.seconds)),
        hand_piped_seconds: r.largeHands.map((h) => round(h.timed.seconds)),
        stowage_step_median_seconds: round(largeStepMedian),
        hand_piped_median_seconds: round(largeHandMedian),
        stowage_step_cpu_seconds: r.largeSteps.map((s) => round(s.timed.cpuSeconds ?? Number.NaN)),
        hand_piped_cpu_seconds: r.largeHands.map((h) => round(h.timed.cpuSeconds ?? Number.NaN)),
        ratio: round(largeStepMedian / largeHandMedian, 3),
      },
    },
    fixed_costs: {
      node_cli_startup_seconds_median: round(median(r.nodeStart)),
      node_cli_startup_cold_seconds_median: round(median(r.nodeStartCold)),
      restic_repository_open_seconds_median: round(median(r.resticCall)),
    },
    sessions: {
      runs: r.sessions.length,
      trigger_to_succeeded_seconds: r.sessions.map((s) => round(s.wallSeconds)),
      median_seconds: r.sessions.length ? round(median(r.sessions.map((s) => s.wallSeconds))) : null,
      session_duration: r.sessions.map((s) => s.sessionDuration),
      backup_step_duration: r.sessions.map((s) => s.stepDuration),
    },
    incremental: {
      base_data_added: r.base.snapshot.dataAdded,
      base_data_added_packed: r.base.snapshot.dataAddedPacked,
      changes: r.incremental.map((i) => ({
        kind: i.kind,
        rows_changed: i.rowsChanged,
        rows_total: i.rowsTotal,
        data_added: i.dataAdded,
        data_added_packed: i.dataAddedPacked,
        fraction_packed: round(i.fraction, 4),
        fraction_unpacked: round(i.fractionUnpacked, 4),
        step_seconds: round(i.seconds),
      })),
    },
    rss: {
      small_runs: r.steps.map((s) => treeSummary(s.timed.tree)),
      small_cold_start: treeSummary(r.cold.timed.tree),
      small_hand_piped: treeSummary(r.hands[0]!.timed.tree),
      large: treeSummary(peakTree(r.largeSteps)),
      large_hand_piped: treeSummary(peakTree(r.largeHands)),
    },
    machine: {
      load_average_start: r.loadStart.map((x) => round(x)),
      load_average_end: loadavg().map((x) => round(x)),
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memory_gb: round(totalmem() / 1024 ** 3, 1),
      kernel: release(),
    },
    versions: r.versions,
    total_seconds: round(r.totalSeconds, 0),
  };
}

process.exitCode = await main();
