/**
 * The standalone runtime as a user runs it, for the e2e tests: `bin/stowage serve` as a child
 * process over a temporary STOWAGE_STATE_DIR (optionally pushing to a Pushgateway), its log kept
 * across restarts, `bin/stowage <cmd>` runs returning {code, stdout, stderr}, manifests rendered
 * from templates, and a LocalStore opened on the same state database for assertions.
 *
 * Processes are only ever signalled by pid: serve (our child), and at cleanup whatever still runs
 * with our temporary folder in its environment (job runners, steps, restic: see ownedProcesses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
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
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { KindName, ObjectOf } from '../../src/api/index.ts';
import { LocalStore } from '../../src/runtime/standalone/local-store.ts';
import { openStateDb, type StateDb } from '../../src/runtime/standalone/state-db.ts';
import { resticBinary } from './restic.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const stowageBin = join(repoRoot, 'bin/stowage');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined; throws with `what` and diagnostics. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  o: { timeoutMs?: number; intervalMs?: number; diagnostics?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(o.intervalMs ?? 250);
  }
  const extra = o.diagnostics?.() ?? '';
  throw new Error(
    `timed out after ${(o.timeoutMs ?? 60_000) / 1000}s waiting for ${what}` +
      (lastError ? ` (last error: ${(lastError as Error).message})` : '') +
      (extra ? `\n${extra}` : ''),
  );
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot when the process started (to tell a reused pid apart). */
  startTime: number;
  argv: string[];
}

/** Every process visible in /proc (Linux). */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm may contain spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        startTime: Number(fields[19]),
        argv,
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `pid` and everything below it (by parent pid), parents first. */
export function processTree(pid: number, all: ProcInfo[] = listProcesses()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const root = all.find((p) => p.pid === pid);
  const out: ProcInfo[] = root ? [root] : [];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]!.pid) ?? []));
  return out;
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped by its parent, is not). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A restic process, by its argv (`…/restic … <subcommand> …`). */
export function isRestic(p: ProcInfo, subcommand?: string): boolean {
  const exe = p.argv[0] ?? '';
  return (exe === 'restic' || exe.endsWith('/restic')) && (!subcommand || p.argv.includes(subcommand));
}

export interface JobRow {
  namespace: string;
  name: string;
  phase: string;
  reason: string | null;
  pid: number | null;
  workdir: string;
}

export class Stowage {
  readonly root: string;
  readonly stateDir: string;
  readonly env: Record<string, string>;
  #serve: ChildProcess | undefined;
  #serveExit: Promise<unknown> | undefined;
  #log = '';
  #generation = 0;
  #db: StateDb | undefined;
  #store: LocalStore | undefined;
  #manifestCounter = 0;

  private constructor(root: string, env: Record<string, string>) {
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
    return this.#serve?.pid;
  }

  get serving(): boolean {
    return this.#serve !== undefined && this.#serve.exitCode === null && this.#serve.signalCode === null;
  }

  /** Starts `stowage serve` and waits until it logs that it is serving. */
  async startServe(o: { manifests?: string[] } = {}): Promise<void> {
    if (this.serving) throw new Error('serve is already running');
    const generation = ++this.#generation;
    const args = ['serve', '--listen', '127.0.0.1:0', ...(o.manifests ?? []).flatMap((m) => ['-m', m])];
    const child = spawn(stowageBin, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#serve = child;
    this.#serveExit = once(child, 'exit');
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#log += text
        .split('\n')
        .filter(Boolean)
        .map((l) => `[serve#${generation}] ${l}\n`)
        .join('');
      if (this.#log.length > 4_000_000) this.#log = this.#log.slice(-2_000_000);
      if (text.includes('stowage is serving')) ready = true;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const deadline = Date.now() + 60_000;
    while (!ready) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `serve exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.logTail()}`,
        );
      if (Date.now() > deadline) throw new Error(`serve did not start within 60s:\n${this.logTail()}`);
      await sleep(100);
    }
  }

  /** SIGTERM (graceful) and wait for the exit. */
  async stopServe(): Promise<void> {
    await this.#signalServe('SIGTERM');
  }

  /** SIGKILL serve (a crash): running jobs keep going, as they would on a real node. */
  async killServe(): Promise<void> {
    await this.#signalServe('SIGKILL');
  }

  async restartServe(): Promise<void> {
    await this.stopServe();
    await this.startServe();
  }

  async #signalServe(signal: NodeJS.Signals): Promise<void> {
    const child = this.#serve;
    if (!child || !this.serving) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.#serveExit;
    clearTimeout(timer);
    this.#serve = undefined;
  }

  /** serve's log (every generation), JSON lines prefixed with the generation. */
  logs(): string {
    return this.#log;
  }

  logTail(lines = 60): string {
    return this.#log.split('\n').slice(-lines).join('\n');
  }

  /** Runs `bin/stowage <args>` with this state dir. */
  async run(
    args: string[],
    o: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<CommandResult> {
    const child = spawn(stowageBin, args, {
      env: { ...this.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    return { code: code ?? (signal ? 128 : -1), stdout, stderr };
  }

  /** Runs a command that must succeed. */
  async ok(args: string[]): Promise<CommandResult> {
    const r = await this.run(args);
    if (r.code !== 0)
      throw new Error(`stowage ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
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
  async apply(content: string | readonly unknown[]): Promise<CommandResult> {
    return this.ok(['apply', '-f', this.writeManifest(content)]);
  }

  /** `stowage trigger` → the new BackupSession's name. */
  async trigger(namespace: string, bc: string): Promise<string> {
    const r = await this.ok(['trigger', bc, '-n', namespace]);
    const m = /backupsession\/(\S+) created/.exec(r.stdout);
    if (!m?.[1]) throw new Error(`unexpected trigger output: ${r.stdout}`);
    return m[1];
  }

  async get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    return this.store.get(kind, namespace, name);
  }

  /** Waits until the object's status.phase is one of `phases`; returns the object. */
  async waitForPhase<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    phases: readonly string[],
    timeoutMs = 120_000,
  ): Promise<ObjectOf<K>> {
    return waitFor(
      `${kind} ${namespace}/${name} to reach ${phases.join('|')}`,
      async () => {
        const o = await this.store.get(kind, namespace, name);
        const phase = (o as { status?: { phase?: string } } | undefined)?.status?.phase;
        return phase && phases.includes(phase) ? o : undefined;
      },
      {
        timeoutMs,
        diagnostics: () => this.diagnostics(kind, namespace, name),
      },
    );
  }

  /** Waits for a final phase (Succeeded, Failed, Skipped, Unknown, Invalid). */
  waitForFinal<K extends 'BackupSession' | 'RestoreSession'>(
    kind: K,
    namespace: string,
    name: string,
    timeoutMs = 180_000,
  ): Promise<ObjectOf<K>> {
    return this.waitForPhase(
      kind,
      namespace,
      name,
      ['Succeeded', 'Failed', 'Skipped', 'Unknown', 'Invalid'],
      timeoutMs,
    );
  }

  /** BackupSessions of a BackupConfiguration, oldest first. */
  async backupSessions(namespace: string, bc: string): Promise<Array<ObjectOf<'BackupSession'>>> {
    const all = await this.store.list('BackupSession', {
      namespace,
      labels: { 'stash.appscode.com/invoker-name': bc },
    });
    return all.sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0),
    );
  }

  jobs(namespace?: string): JobRow[] {
    const rows = (namespace === undefined
      ? this.db.prepare('SELECT namespace, name, phase, reason, pid, workdir FROM jobs').all()
      : this.db
          .prepare('SELECT namespace, name, phase, reason, pid, workdir FROM jobs WHERE namespace = ?')
          .all(namespace)) as unknown as JobRow[];
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

  /** The object, its events and the logs of its jobs — for failure messages. */
  diagnostics(kind: string, namespace: string, name: string): string {
    try {
      const obj = this.store.getSync(kind as KindName, namespace, name);
      const events = this.db
        .prepare('SELECT type, reason, message FROM events WHERE kind = ? AND namespace = ? AND name = ?')
        .all(kind, namespace, name);
      const jobs = this.jobs(namespace)
        .filter((j) => j.name.includes(name.replace(/\./g, '-')))
        .map((j) => `job ${j.name} ${j.phase} ${j.reason ?? ''}\n${this.jobLogs(namespace, j.name)}`);
      return [
        `${kind} ${namespace}/${name}: ${JSON.stringify((obj as { status?: unknown } | undefined)?.status ?? obj ?? null, null, 1)}`,
        `events: ${JSON.stringify(events)}`,
        ...jobs,
        `serve log (tail):\n${this.logTail(40)}`,
      ].join('\n');
    } catch (e) {
      return `(no diagnostics: ${(e as Error).message})`;
    }
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

  /** Stops serve, kills what our jobs left behind (by pid), closes the store, removes the folder. */
  async cleanup(o: { keep?: boolean } = {}): Promise<void> {
    await this.stopServe().catch(() => undefined);
    for (const p of this.leftoverProcesses()) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#db?.close();
    this.#db = undefined;
    this.#store = undefined;
    if (!o.keep) rmSync(this.root, { recursive: true, force: true });
  }
}
