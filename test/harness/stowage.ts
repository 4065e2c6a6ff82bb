/**
 * The standalone runtime as a user runs it, for the e2e tests: `bin/stowage serve` as a child
 * process over a temporary STOWAGE_STATE_DIR (optionally pushing to a Pushgateway), its log kept
 * across restarts, `bin/stowage <cmd>` runs, manifests written as files, and a LocalStore opened on
 * the same state database for assertions. The scenario interface is ./runtime.ts; what is here
 * besides is standalone only: the job rows, the processes a job started, their logs.
 *
 * Processes are only ever signalled by pid: serve (our child), and at cleanup whatever still runs
 * with our temporary folder in its environment (job runners, steps, restic: see ownedProcesses).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KindName } from '../../src/api/index.ts';
import { LocalStore } from '../../src/runtime/standalone/local-store.ts';
import { openStateDb, type StateDb } from '../../src/runtime/standalone/state-db.ts';
import { stowageBin } from './bin.ts';
import { ChildLog } from './child-log.ts';
import { runCommand, succeeded, type CommandResult } from './command.ts';
import { startServer, type ServerProcess } from './process.ts';
import { listProcesses, processTree, signalEach, type ProcInfo } from './processes.ts';
import { resticBinary } from './restic.ts';
import { StowageRuntime } from './runtime.ts';
import { WaitAborted, waitFor } from './wait.ts';

export interface StowageOptions {
  /** STOWAGE_PUSHGATEWAY_URL for serve and its jobs. */
  pushgatewayUrl?: string;
  /** Extra env for serve and every command. */
  env?: Record<string, string>;
  /** Prefix of the temporary folder. */
  name?: string;
}

/** `${VAR}` → vars.VAR; unknown variables are left as they are (like the demo). */
export function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

/** Objects → one multi-document YAML text. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

export interface JobRow {
  namespace: string;
  name: string;
  phase: string;
  reason: string | null;
  pid: number | null;
  workdir: string;
}

export class Stowage extends StowageRuntime {
  readonly runtime = 'standalone';
  readonly root: string;
  readonly stateDir: string;
  readonly env: Record<string, string>;
  #serve: ServerProcess | undefined;
  readonly #log = new ChildLog('serve');
  #db: StateDb | undefined;
  #store: LocalStore | undefined;
  #manifestCounter = 0;

  private constructor(root: string, env: Record<string, string>) {
    super();
    this.root = root;
    this.stateDir = join(root, 'state');
    this.env = env;
  }

  static async create(o: StowageOptions = {}): Promise<Stowage> {
    const root = mkdtempSync(join(tmpdir(), `stowage-e2e-${o.name ?? 'run'}-`));
    const restic = await resticBinary();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? root,
      STOWAGE_STATE_DIR: join(root, 'state'),
      STOWAGE_RESTIC: restic,
      STOWAGE_LOG_FORMAT: 'json',
      STOWAGE_LOG_LEVEL: 'info',
      // Where bin/stowage finds the pinned Node (scripts/setup-node.sh puts it there).
      STOWAGE_CACHE: process.env.STOWAGE_CACHE ?? join(process.env.HOME ?? root, '.cache', 'stowage'),
      ...(process.env.STOWAGE_NODE ? { STOWAGE_NODE: process.env.STOWAGE_NODE } : {}),
      ...(o.pushgatewayUrl ? { STOWAGE_PUSHGATEWAY_URL: o.pushgatewayUrl } : {}),
      ...o.env,
    };
    return new Stowage(root, env);
  }

  /** The Store over the state database (opened on first use; serve creates the file). */
  get store(): LocalStore {
    if (!this.#store) {
      this.#db = openStateDb(join(this.stateDir, 'state.db'));
      this.#store = new LocalStore(this.#db);
    }
    return this.#store;
  }

  get db(): StateDb {
    void this.store;
    return this.#db!;
  }

  get servePid(): number | undefined {
    return this.#serve?.child.pid;
  }

  get serving(): boolean {
    return this.#serve?.running() ?? false;
  }

  /** Starts `stowage serve` (with `-m` for each manifest folder) and waits until it logs that it is serving. */
  async start(o: { manifests?: string[] } = {}): Promise<void> {
    if (this.serving) throw new Error('serve is already running');
    const args = ['serve', '--listen', '127.0.0.1:0', ...(o.manifests ?? []).flatMap((m) => ['-m', m])];
    // A graceful stop waits for running reconciles; a job runner outlives serve anyway.
    const serve = startServer('serve', stowageBin, args, { env: this.env, graceMs: 15_000 });
    this.#serve = serve;
    let ready = false;
    this.#log.follow(serve.child, (text) => {
      if (text.includes('stowage is serving')) ready = true;
    });
    await waitFor(
      'serve to start',
      () => {
        const { exitCode, signalCode } = serve.child;
        if (!serve.running())
          throw new WaitAborted(`serve exited (${exitCode ?? signalCode}) while starting`);
        return ready || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, diagnostics: () => this.logTail() },
    );
  }

  async stop(): Promise<void> {
    await this.#serve?.stop();
  }

  /** SIGKILL serve (a crash): running jobs keep going, as they would on a real node. */
  async kill(): Promise<void> {
    await this.#serve?.kill();
  }

  /** serve's log (every generation), JSON lines prefixed with the generation. */
  logs(): string {
    return this.#log.all();
  }

  logTail(lines = 60): string {
    return this.#log.tail(lines);
  }

  /** Runs `bin/stowage <args>` with this state dir. */
  run(
    args: readonly string[],
    o: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<CommandResult> {
    return runCommand(stowageBin, args, { env: { ...this.env, ...o.env }, timeoutMs: o.timeoutMs });
  }

  cli(args: readonly string[]): Promise<CommandResult> {
    return this.run(args);
  }

  /** Runs a command that must succeed. */
  async ok(args: readonly string[]): Promise<CommandResult> {
    return succeeded(`stowage ${args.join(' ')}`, await this.run(args));
  }

  /** Writes a manifest file under the work folder and returns its path. */
  writeManifest(content: string | readonly unknown[], name?: string): string {
    const dir = join(this.root, 'manifests');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, name ?? `m${String(++this.#manifestCounter).padStart(3, '0')}.yaml`);
    writeFileSync(file, typeof content === 'string' ? content : toYaml(content), { mode: 0o600 });
    return file;
  }

  /** `stowage apply -f` of YAML text or objects; must succeed. */
  async apply(content: string | readonly object[]): Promise<void> {
    await this.ok(['apply', '-f', this.writeManifest(content)]);
  }

  jobs(namespace?: string): JobRow[] {
    const columns = 'SELECT namespace, name, phase, reason, pid, workdir FROM jobs';
    const rows = (namespace === undefined
      ? this.db.prepare(columns).all()
      : this.db.prepare(`${columns} WHERE namespace = ?`).all(namespace)) as unknown as JobRow[];
    return rows;
  }

  job(namespace: string, name: string): JobRow | undefined {
    return this.jobs(namespace).find((j) => j.name === name);
  }

  /** Waits for a job row to appear with a live runner pid. */
  async waitForJob(namespace: string, name: string, timeoutMs = 60_000): Promise<JobRow & { pid: number }> {
    return waitFor(
      `job ${namespace}/${name} to start`,
      () => {
        const j = this.job(namespace, name);
        return j?.pid ? (j as JobRow & { pid: number }) : undefined;
      },
      { timeoutMs, diagnostics: () => this.logTail() },
    );
  }

  /** The runner of a job and everything below it (Linux /proc). */
  jobProcesses(namespace: string, name: string): ProcInfo[] {
    const j = this.job(namespace, name);
    if (!j?.pid) return [];
    return processTree(j.pid);
  }

  /** Every log file of a job (runner and steps), concatenated. */
  jobLogs(namespace: string, name: string): string {
    const j = this.job(namespace, name);
    if (!j) return `(no job ${namespace}/${name})`;
    const dir = join(j.workdir, 'logs');
    if (!existsSync(dir)) return `(no logs in ${dir})`;
    return readdirSync(dir)
      .sort()
      .map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').slice(-6_000)}`)
      .join('\n');
  }

  /** The jobs named after the object, with their logs, and serve's log tail. */
  protected explain(_kind: KindName, namespace: string, name: string): Promise<string[]> {
    const jobs = this.jobs(namespace)
      .filter((j) => j.name.includes(name.replace(/\./g, '-')))
      .map((j) => `job ${j.name} ${j.phase} ${j.reason ?? ''}\n${this.jobLogs(namespace, j.name)}`);
    return Promise.resolve([...jobs, `serve log (tail):\n${this.logTail(40)}`]);
  }

  /**
   * Live processes working for this instance: every process whose environment mentions our temp
   * folder (serve, job runners, steps, and restic and the dump tools they start, whose TMPDIR and
   * cache live in the job's work folder) — also after they were orphaned.
   */
  ownedProcesses(): ProcInfo[] {
    return listProcesses().filter((p) => {
      if (p.pid === process.pid) return false;
      try {
        return readFileSync(`/proc/${p.pid}/environ`, 'utf8').includes(this.root);
      } catch {
        return false;
      }
    });
  }

  /** ownedProcesses() other than serve itself. */
  leftoverProcesses(): ProcInfo[] {
    return this.ownedProcesses().filter((p) => p.pid !== this.servePid);
  }

  /** Waits until nothing our jobs started still runs (killed processes take a moment to go). */
  async waitForNoLeftovers(timeoutMs = 15_000): Promise<void> {
    const list = () =>
      this.leftoverProcesses()
        .map((p) => `${p.pid} ${p.argv.join(' ').slice(0, 200)}`)
        .join('\n');
    await waitFor(
      'no processes left by the jobs',
      () => (this.leftoverProcesses().length ? undefined : true),
      {
        timeoutMs,
        diagnostics: () => `still running:\n${list()}`,
      },
    );
  }

  /** Stops serve, kills what our jobs left behind (by pid), closes the store, removes the folder. */
  async cleanup(o: { keep?: boolean } = {}): Promise<void> {
    await this.stop().catch(() => undefined);
    signalEach(this.leftoverProcesses(), 'SIGKILL');
    this.#db?.close();
    this.#db = undefined;
    this.#store = undefined;
    if (!o.keep) rmSync(this.root, { recursive: true, force: true });
  }
}
