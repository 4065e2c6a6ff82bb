/**
 * Runs `bin/stowage` as a user does: a child process over a temporary STOWAGE_STATE_DIR, returning
 * its exit code and output. `startCli` keeps it running (for --wait) while the test changes the
 * state through a LocalStore opened on the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { LocalStore } from '../../../src/runtime/standalone/local-store.ts';
import { openStateDb } from '../../../src/runtime/standalone/state-db.ts';
import { resticBinary } from '../../harness/restic.ts';
import { waitFor, WaitAborted } from '../../harness/wait.ts';

export const repoRoot = resolve(import.meta.dirname, '../../..');
const stowageBin = join(repoRoot, 'bin/stowage');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/** A throwaway standalone state with the env that points `stowage` at it. */
export class CliSandbox {
  readonly dir: string;
  readonly stateDir: string;
  readonly env: Record<string, string>;

  private constructor(dir: string, restic: string) {
    this.dir = dir;
    this.stateDir = join(dir, 'state');
    this.env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? dir,
      STOWAGE_STATE_DIR: this.stateDir,
      STOWAGE_RESTIC: restic,
      STOWAGE_LOG_FORMAT: 'json',
      ...(process.env.STOWAGE_CACHE ? { STOWAGE_CACHE: process.env.STOWAGE_CACHE } : {}),
    };
  }

  static async create(): Promise<CliSandbox> {
    return new CliSandbox(await mkdtemp(join(tmpdir(), 'stowage-cli-test-')), await resticBinary());
  }

  start(args: readonly string[], o: CliOptions = {}): RunningCli {
    const child = spawn(stowageBin, [...args], {
      env: { ...this.env, ...o.env },
      cwd: o.cwd ?? this.dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(o.stdin ?? '');
    const done = once(child, 'close').then(([code]) => ({ code: code as number, stdout, stderr }));
    return { child, stdout: () => stdout, stderr: () => stderr, done };
  }

  run(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
    return this.start(args, o).done;
  }

  /** Writes objects (or YAML text) to a file in the sandbox; returns its path. */
  async manifest(name: string, content: string | readonly unknown[]): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(
      path,
      typeof content === 'string' ? content : content.map((o) => stringify(o)).join('---\n'),
    );
    return path;
  }

  /** A LocalStore on the sandbox's state database, closed after `fn`. */
  async withStore<T>(fn: (store: LocalStore) => Promise<T>): Promise<T> {
    const db = openStateDb(join(this.stateDir, 'state.db'));
    try {
      return await fn(new LocalStore(db));
    } finally {
      db.close();
    }
  }

  cleanup(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** JSON log lines of stderr (pino), ignoring anything else. */
export function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** No JavaScript stack trace leaked to the user. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text) || /internal error/.test(text);
}

/**
 * Waits until what `running` printed so far satisfies `ok`; fails with both streams when it does
 * not in time, and at once when the command exits first.
 */
export async function untilPrinted(
  running: RunningCli,
  what: string,
  ok: (stdout: string, stderr: string) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const output = () => `stdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`;
  await waitFor(
    what,
    () => {
      if (ok(running.stdout(), running.stderr())) return true;
      if (running.child.exitCode !== null)
        throw new WaitAborted(`${what}: the command exited (${running.child.exitCode}) first\n${output()}`);
      return undefined;
    },
    { timeoutMs, intervalMs: 100, diagnostics: output },
  );
}

/** The name of the session a running `trigger` or `restore` printed it created (its first line). */
export async function createdName(
  running: RunningCli,
  kind: 'backupsession' | 'restoresession',
): Promise<string> {
  const created = new RegExp(`${kind}/(\\S+) created`);
  await untilPrinted(running, `${kind} created`, (stdout) => created.test(stdout));
  return created.exec(running.stdout())![1]!;
}
