/**
 * The standalone Executor: a Job is a row in the state database plus one detached `stowage job-run`
 * process that runs the steps in order (init-container semantics) and records the outcome itself.
 * Because the runner owns its own result, `serve` can restart mid-session without losing it; a
 * runner that vanishes without a result (killed) is detected by its PID and reported as Failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor, JobSpec, JobState } from '../../controllers/store.ts';
import { stopJobProcesses } from './job-processes.ts';
import { inTransaction, type StateDb } from './state-db.ts';

export interface ProcessExecutorOptions {
  db: StateDb;
  /** Folder holding one work folder per Job. */
  workRoot: string;
  /** argv that starts this program (e.g. [node, --disable-warning=…, main.ts]); `job-run …` is appended. */
  selfCommand: string[];
  /** Env for the runner (state location, log format, restic binary…). */
  env: Record<string, string>;
  now?: () => Date;
}

interface JobRow {
  phase: string;
  reason: string | null;
  pid: number | null;
  workdir: string;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A runner whose parent (an earlier serve) is gone may linger as a zombie when nobody reaps it
  // (a container's init often does not): it exists for kill(0) but is dead. Linux tells them apart.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return !existsSync('/proc/self/stat'); // gone meanwhile (Linux), or no /proc: kill(0) is all we know
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export class ProcessExecutor implements Executor {
  readonly #o: ProcessExecutorOptions;

  constructor(options: ProcessExecutorOptions) {
    this.#o = options;
  }

  workdirOf(namespace: string, name: string): string {
    return join(this.#o.workRoot, namespace, name);
  }

  ensure(job: JobSpec): Promise<void> {
    const workdir = this.workdirOf(job.namespace, job.name);
    const inserted = inTransaction(this.#o.db, () => {
      const exists = this.#o.db
        .prepare('SELECT 1 FROM jobs WHERE namespace = ? AND name = ?')
        .get(job.namespace, job.name);
      if (exists) return false;
      this.#o.db
        .prepare(
          'INSERT INTO jobs (namespace, name, owner_uid, spec, phase, workdir) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(job.namespace, job.name, job.owner.uid ?? '', JSON.stringify(job), 'Pending', workdir);
      return true;
    });
    if (!inserted) return Promise.resolve();
    mkdirSync(join(workdir, 'logs'), { recursive: true, mode: 0o700 });
    const out = openSync(join(workdir, 'logs', 'job-runner.log'), 'a', 0o600);
    const [cmd, ...args] = this.#o.selfCommand;
    const child = spawn(cmd!, [...args, 'job-run', `--namespace=${job.namespace}`, `--name=${job.name}`], {
      detached: true,
      stdio: ['ignore', out, out],
      env: this.#o.env,
    });
    this.#o.db
      .prepare('UPDATE jobs SET pid = ?, phase = ?, started_at = ? WHERE namespace = ? AND name = ?')
      .run(
        child.pid ?? null,
        'Running',
        (this.#o.now?.() ?? new Date()).toISOString(),
        job.namespace,
        job.name,
      );
    child.unref();
    return Promise.resolve();
  }

  state(namespace: string, name: string): Promise<JobState | undefined> {
    const row = this.#o.db
      .prepare('SELECT phase, reason, pid, workdir FROM jobs WHERE namespace = ? AND name = ?')
      .get(namespace, name) as JobRow | undefined;
    if (!row) return Promise.resolve(undefined);
    if (row.phase === 'Running' && row.pid !== null && !isProcessAlive(row.pid)) {
      // Re-read inside a transaction: the runner may have written its result just before exiting.
      const settled = inTransaction(this.#o.db, () => {
        const again = this.#o.db
          .prepare('SELECT phase, reason FROM jobs WHERE namespace = ? AND name = ?')
          .get(namespace, name) as unknown as JobRow;
        if (again.phase !== 'Running') return again;
        const reason = `the job runner (pid ${row.pid}) ended without reporting a result; it was killed or crashed`;
        this.#o.db
          .prepare('UPDATE jobs SET phase = ?, reason = ?, finished_at = ? WHERE namespace = ? AND name = ?')
          .run('Failed', reason, new Date().toISOString(), namespace, name);
        return { ...again, phase: 'Failed', reason };
      });
      // The Job is over: what its dead runner had started must not go on writing behind its back.
      void stopJobProcesses(row.workdir);
      return Promise.resolve({ phase: 'Failed', ...(settled.reason ? { reason: settled.reason } : {}) });
    }
    return Promise.resolve({
      phase: row.phase as JobState['phase'],
      ...(row.reason ? { reason: row.reason } : {}),
    });
  }

  delete(namespace: string, name: string): Promise<void> {
    const row = this.#o.db
      .prepare('SELECT pid, workdir, phase FROM jobs WHERE namespace = ? AND name = ?')
      .get(namespace, name) as JobRow | undefined;
    if (!row) return Promise.resolve();
    const runner = row.phase === 'Running' && row.pid && isProcessAlive(row.pid) ? row.pid : undefined;
    // The runner first, so it starts no further step; then the Job's processes innermost first (restic
    // runs in its own process group and would outlive a group kill), in the background: a graceful
    // stop may take seconds; then the group, for systems without /proc; then the folder.
    if (runner) signalPid(runner, 'SIGKILL');
    this.#o.db.prepare('DELETE FROM jobs WHERE namespace = ? AND name = ?').run(namespace, name);
    void stopJobProcesses(row.workdir).then(() => {
      if (runner) signalPid(-runner, 'SIGTERM');
      rmSync(row.workdir, { recursive: true, force: true });
    });
    return Promise.resolve();
  }

  /** Garbage-collects Jobs whose owner was deleted. */
  deleteOwnedBy(uid: string): Promise<void> {
    const rows = this.#o.db
      .prepare('SELECT namespace, name FROM jobs WHERE owner_uid = ?')
      .all(uid) as unknown as Array<{
      namespace: string;
      name: string;
    }>;
    return Promise.all(rows.map((r) => this.delete(r.namespace, r.name))).then(() => undefined);
  }
}
