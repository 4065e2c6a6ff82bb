/** Running the timed commands: wall time from spawn to exit, with the process tree's peak RSS. */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { watchTree, type TreePeak } from './rss.ts';

const execFileAsync = promisify(execFile);

export interface Timed {
  seconds: number;
  /** Date.now() at spawn: the step's JSON log lines carry epoch milliseconds. */
  startedAt: number;
  exitCode: number | null;
  tree: TreePeak;
  /** user + system CPU seconds of the whole tree (GNU time counts reaped children), if measured. */
  cpuSeconds: number | undefined;
}

/** GNU time, when installed: CPU seconds are far less sensitive than wall time to a busy machine. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs argv to completion with stdout and stderr in `logFile`; never rejects on a non-zero exit. */
export async function runTimed(argv: string[], env: Record<string, string>, logFile: string): Promise<Timed> {
  const fd = openSync(logFile, 'a', 0o600);
  const timeFile = `${logFile}.time`;
  const full = GNU_TIME ? [GNU_TIME, '-o', timeFile, '-f', '%e %U %S', ...argv] : argv;
  const [cmd, ...args] = full;
  const startedAt = Date.now();
  const t0 = performance.now();
  const child = spawn(cmd!, args, { stdio: ['ignore', fd, fd], env });
  const watch = watchTree(child.pid!, 50, GNU_TIME ? ['time'] : []);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  const seconds = (performance.now() - t0) / 1000;
  const tree = watch.stop();
  closeSync(fd);
  let cpuSeconds: number | undefined;
  if (GNU_TIME) {
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [, user, sys] = last.split(' ').map(Number);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = user! + sys!;
  }
  return { seconds, startedAt, exitCode, tree, cpuSeconds };
}

/** Wall seconds of a short command (no RSS watch). */
export async function timeCommand(argv: string[], env: Record<string, string>): Promise<number> {
  const [cmd, ...args] = argv;
  const t0 = performance.now();
  await execFileAsync(cmd!, args, { env, maxBuffer: 64 * 1024 * 1024 });
  return (performance.now() - t0) / 1000;
}

export interface SnapshotSummary {
  id: string;
  dataAdded: number;
  dataAddedPacked: number;
  totalBytesProcessed: number;
  /** backup_end − backup_start as restic recorded them. */
  resticSeconds: number;
}

export class ResticCli {
  readonly binary: string;
  readonly password: string;
  readonly baseEnv: Record<string, string>;

  constructor(binary: string, password: string, baseEnv: Record<string, string>) {
    this.binary = binary;
    this.password = password;
    this.baseEnv = baseEnv;
  }

  env(repo: string): Record<string, string> {
    return { ...this.baseEnv, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: this.password };
  }

  async run(repo: string, args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(this.binary, ['--no-cache', ...args], {
      env: this.env(repo),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  /** A fresh, empty, initialised repository at `dir` (whatever was there is removed). */
  async freshRepository(dir: string): Promise<void> {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await this.run(dir, ['init', '--quiet']);
  }

  async snapshots(repo: string): Promise<SnapshotSummary[]> {
    interface Raw {
      id: string;
      summary?: {
        backup_start: string;
        backup_end: string;
        data_added: number;
        data_added_packed: number;
        total_bytes_processed: number;
      };
    }
    const list = JSON.parse(await this.run(repo, ['snapshots', '--json'])) as Raw[];
    return list.map((s) => {
      if (!s.summary) throw new Error(`snapshot ${s.id} has no summary (restic older than 0.17?)`);
      return {
        id: s.id,
        dataAdded: s.summary.data_added,
        dataAddedPacked: s.summary.data_added_packed,
        totalBytesProcessed: s.summary.total_bytes_processed,
        resticSeconds: (Date.parse(s.summary.backup_end) - Date.parse(s.summary.backup_start)) / 1000,
      };
    });
  }

  async latest(repo: string): Promise<SnapshotSummary> {
    const all = await this.snapshots(repo);
    const last = all.at(-1);
    if (!last) throw new Error(`no snapshot in ${repo}`);
    return last;
  }

  async version(): Promise<string> {
    const { stdout } = await execFileAsync(this.binary, ['version']);
    return stdout.trim();
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
