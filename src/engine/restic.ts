/**
 * The restic engine: one instance per repository connection. Builds argv with the pure functions
 * in ./argv, runs restic through ./run-process.ts, parses ./json-messages.ts, and turns exit codes
 * into ./errors.ts. Secrets reach restic only through the child's environment.
 */
import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { StowageError } from '../errors.ts';
import { backupFromCommandArgs, backupPathsArgs } from './argv/backup.ts';
import { commonFlags } from './argv/common.ts';
import { forgetArgs, hasKeepRule } from './argv/forget.ts';
import { catLockArgs, listLocksArgs, unlockArgs } from './argv/locks.ts';
import { checkArgs, initArgs, probeArgs, snapshotsArgs, statsArgs, versionArgs } from './argv/repository.ts';
import { dumpArgs, restoreArgs } from './argv/restore.ts';
import { CommandFailedError, ResticError, errorFromExit } from './errors.ts';
import {
  exitReason,
  parseCheckSummary,
  parseForget,
  parseIdList,
  parseLock,
  parseMessageLine,
  parseSnapshots,
  parseStats,
  parseVersion,
} from './json-messages.ts';
import { cgroupMemoryLimit, resticMemoryTarget } from './memory-limit.ts';
import { isPidAlive } from './pid-alive.ts';
import { envNames, redactRepository } from './redact.ts';
import { startProcess, type ProcessResult, type RunningProcess } from './run-process.ts';
import type {
  BackupSummary,
  CallOptions,
  CommandPlan,
  ForgetResult,
  LockInfo,
  ResticConnection,
  ResticProgress,
  RetentionFlags,
  SnapshotInfo,
} from './types.ts';

/** Used when the caller passes no environment: enough to find programs, nothing else leaks in. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Stash's rate (one status line a minute) when nobody listens to progress. */
const QUIET_PROGRESS_FPS = '0.016666';
/** How restic's backends report a missing bucket or container (s3/MinIO, Azure, GCS, B2). */
const MISSING_CONTAINER =
  /specified bucket does not exist|NoSuchBucket|ContainerNotFound|bucket doesn't exist|bucket does not exist/i;

export interface ResticOptions {
  binary: string;
  connection: ResticConnection;
  /** restic cache directory; without it every call runs with `--no-cache`. */
  cacheDir?: string | undefined;
  /** TMPDIR for restic (scratch space for packs and for the stdin-from-command pipe). */
  tmpDir?: string | undefined;
  logger: Logger;
  /**
   * The environment restic and the programs it runs may see besides the connection (PATH, HOME,
   * proxy settings). The entry point passes its own environment; RESTIC_* entries in it are
   * dropped so the caller's shell cannot redirect restic to another repository or password.
   */
  env?: Record<string, string | undefined> | undefined;
  /** This machine's hostname as restic records it in locks; defaults to os.hostname(). */
  hostname?: string | undefined;
}

export interface BackupFromCommandInput extends CallOptions {
  plan: CommandPlan;
  /** Name the dump gets inside the snapshot (`--stdin-filename`), e.g. `dumpfile.sql`. */
  filename: string;
  host: string;
  tags?: readonly string[] | undefined;
  /** restic's stderr, which carries the command's own stderr (its progress lines). */
  onStderrLine?: ((line: string) => void) | undefined;
}

export interface BackupPathsInput extends CallOptions {
  paths: readonly string[];
  host: string;
  tags?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

export interface RestoreInput extends CallOptions {
  /** Snapshot id or `latest` (default); host/path narrow `latest` only. */
  snapshot?: string | undefined;
  target: string;
  host?: string | undefined;
  path?: string | undefined;
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

export interface DumpToCommandInput {
  snapshot?: string | undefined;
  /** The file inside the snapshot, e.g. the `--stdin-filename` of the backup. */
  filename: string;
  host?: string | undefined;
  path?: string | undefined;
  /** The program that reads the dump on its stdin (e.g. psql). */
  plan: CommandPlan;
  signal?: AbortSignal | undefined;
  /** The reading program's stderr lines (its progress). */
  onStderrLine?: ((line: string) => void) | undefined;
}

export interface UnlockResult {
  removed: LockInfo[];
  kept: LockInfo[];
}

interface ExecOptions {
  signal?: AbortSignal | undefined;
  onLine?: ((line: string) => void) | undefined;
  onStderrLine?: ((line: string) => void) | undefined;
  extraEnv?: Record<string, string> | undefined;
  progress?: boolean | undefined;
}

export class Restic {
  readonly #binary: string;
  readonly #connection: ResticConnection;
  readonly #cacheDir: string | undefined;
  readonly #tmpDir: string | undefined;
  readonly #logger: Logger;
  readonly #baseEnv: Record<string, string>;
  readonly #hostname: string;

  constructor(options: ResticOptions) {
    this.#binary = options.binary;
    this.#connection = options.connection;
    this.#cacheDir = options.cacheDir;
    this.#tmpDir = options.tmpDir;
    this.#logger = options.logger;
    this.#baseEnv = baseEnvironment(options.env);
    this.#hostname = options.hostname ?? osHostname();
  }

  /** restic's version, e.g. `0.19.1`. */
  async version(): Promise<string> {
    return parseVersion(await this.#exec(versionArgs()));
  }

  /**
   * False when restic says the repository does not exist (exit 10), or when its bucket/container
   * does not exist: restic treats that as a transient backend error and would retry it for 15
   * minutes, so the probe stops at the first such retry report. Other failures throw.
   */
  async repositoryExists(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const stopProbe = new AbortController();
    let missingContainer = false;
    const signal = options.signal ? AbortSignal.any([options.signal, stopProbe.signal]) : stopProbe.signal;
    try {
      await this.#exec(probeArgs(), {
        signal,
        onStderrLine: (line) => {
          if (MISSING_CONTAINER.test(line)) {
            missingContainer = true;
            stopProbe.abort();
          }
        },
      });
      return true;
    } catch (e) {
      if (missingContainer && !options.signal?.aborted) return false;
      if (e instanceof ResticError && e.code === 'RESTIC_REPOSITORY_NOT_FOUND') return false;
      throw e;
    }
  }

  async init(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#exec(initArgs(), options);
  }

  /**
   * Initializes the repository unless it exists. Two jobs may race to initialize the same
   * repository; the loser's `init` fails, and a second probe then finds the winner's repository.
   */
  async ensureRepository(options: { signal?: AbortSignal } = {}): Promise<'existed' | 'initialized'> {
    if (await this.repositoryExists(options)) return 'existed';
    try {
      await this.init(options);
      return 'initialized';
    } catch (e) {
      if (await this.repositoryExists(options)) return 'existed';
      throw e;
    }
  }

  /**
   * Stores the stdout of `plan.command` as one file. restic runs the program itself, so a program
   * that exits non-zero fails the backup and no snapshot is written.
   */
  async backupFromCommand(input: BackupFromCommandInput): Promise<BackupSummary> {
    const args = backupFromCommandArgs({
      host: input.host,
      tags: input.tags,
      filename: input.filename,
      command: input.plan.command,
      progress: input.onProgress !== undefined,
      cleanupCache: this.#cacheDir !== undefined,
    });
    return this.#backup(args, input, input.plan.env, input.onStderrLine);
  }

  /** One snapshot holding all `paths` (Stash makes one per path; one keeps a target's files together). */
  async backupPaths(input: BackupPathsInput): Promise<BackupSummary> {
    const args = backupPathsArgs({
      host: input.host,
      tags: input.tags,
      paths: input.paths,
      exclude: input.exclude,
      progress: input.onProgress !== undefined,
      cleanupCache: this.#cacheDir !== undefined,
    });
    return this.#backup(args, input);
  }

  async restore(input: RestoreInput): Promise<void> {
    const args = restoreArgs({ ...input, progress: input.onProgress !== undefined });
    await this.#exec(args, {
      signal: input.signal,
      progress: input.onProgress !== undefined,
      onLine: progressListener(input.onProgress),
    });
  }

  /**
   * Streams one file of a snapshot into the stdin of `plan.command`. Fails when either side fails;
   * when one side fails the other is stopped, so a truncated dump is not loaded to the end.
   */
  async dumpToCommand(input: DumpToCommandInput): Promise<void> {
    const [program, ...programArgs] = input.plan.command;
    if (program === undefined) throw new StowageError('INVALID_INPUT', 'dumpToCommand: the command is empty');
    const args = this.#argv(dumpArgs(input));
    this.#logStart(args);
    const dump = this.#start('dump', {
      command: this.#binary,
      args,
      env: this.#env({}),
      signal: input.signal,
      stdout: 'stream',
    });
    let reader: RunningProcess;
    try {
      reader = startProcess({
        command: program,
        args: programArgs,
        env: { ...this.#baseEnv, ...input.plan.env },
        signal: input.signal,
        stdin: dump.stdout,
        onStdoutLine: (line) => this.#logger.debug({ program, line }, 'restore command output'),
        onStderrLine: input.onStderrLine,
      });
    } catch (e) {
      dump.stop();
      await dump.done;
      throw new CommandFailedError(program, null, null, (e as Error).message);
    }
    const failed = (r: ProcessResult): boolean => r.exitCode !== 0 || r.spawnError !== undefined;
    // The side that fails first is the cause; the other usually fails only because it was stopped
    // (or got EPIPE) afterwards.
    let firstFailure: 'dump' | 'reader' | undefined;
    const dumpDone = dump.done.then((r) => {
      if (failed(r)) {
        firstFailure ??= 'dump';
        reader.stop();
      }
      return r;
    });
    const readerDone = reader.done.then((r) => {
      if (failed(r)) {
        firstFailure ??= 'reader';
        dump.stop();
      }
      return r;
    });
    const [d, c] = await Promise.all([dumpDone, readerDone]);
    if (d.aborted || c.aborted) throw this.#failure('dump', { ...d, aborted: true });
    if (firstFailure === 'reader') {
      throw new CommandFailedError(program, c.exitCode, c.signal, c.spawnError?.message ?? c.stderrTail);
    }
    if (firstFailure === 'dump') throw this.#failure('dump', d);
  }

  /**
   * Applies a retention policy; without `host` it covers the whole repository (as Stash does).
   * A policy without any keep rule removes nothing (restic would refuse to run), so the snapshots
   * are only counted.
   */
  async forget(
    flags: RetentionFlags,
    options: { host?: string; signal?: AbortSignal } = {},
  ): Promise<ForgetResult> {
    if (!hasKeepRule(flags)) {
      this.#logger.warn('retention policy has no keep rule; no snapshot is removed');
      const all = await this.snapshots({ host: options.host, signal: options.signal });
      return { kept: all.length, removed: 0 };
    }
    return parseForget(await this.#exec(forgetArgs(flags, { host: options.host }), options));
  }

  /**
   * Verifies the repository. `ok: false` means restic found damage (exit 1 with a check summary);
   * failures to reach the repository throw instead, so they are not mistaken for corruption.
   */
  async check(
    options: { readData?: boolean; signal?: AbortSignal } = {},
  ): Promise<{ ok: boolean; message: string }> {
    const lines: string[] = [];
    try {
      await this.#exec(checkArgs(options), { signal: options.signal, onLine: (l) => lines.push(l) });
    } catch (e) {
      const summary = parseCheckSummary(lines.join('\n'));
      if (e instanceof ResticError && e.code === 'RESTIC_FAILED' && summary !== undefined) {
        return { ok: false, message: `restic check found ${summary.numErrors} error(s): ${e.message}` };
      }
      throw e;
    }
    return { ok: true, message: 'no errors were found' };
  }

  /** Bytes the repository occupies in storage (`stats --mode raw-data`). */
  async stats(options: { signal?: AbortSignal } = {}): Promise<{ totalSize: number }> {
    return parseStats(await this.#exec(statsArgs(), options));
  }

  async snapshots(
    filter: { host?: string; tags?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<SnapshotInfo[]> {
    return parseSnapshots(await this.#exec(snapshotsArgs(filter), { signal: filter.signal }));
  }

  async listLocks(options: { signal?: AbortSignal } = {}): Promise<LockInfo[]> {
    const ids = parseIdList(await this.#exec(listLocksArgs(), options));
    const locks: LockInfo[] = [];
    for (const id of ids) {
      try {
        locks.push(parseLock(id, await this.#exec(catLockArgs(id), options)));
      } catch (e) {
        // Released between `list` and `cat`: nothing to report.
        if (e instanceof ResticError && e.code === 'RESTIC_FAILED') continue;
        throw e;
      }
    }
    return locks;
  }

  /**
   * Removes locks whose holder is provably gone: a process on this host that no longer exists, or
   * one `isHolderGone` vouches for (e.g. a finished pod). A lock whose holder may still run is kept:
   * removing it would let prune delete data a running backup is about to reference.
   */
  async unlockStale(
    options: { isHolderGone?: (lock: LockInfo) => Promise<boolean>; signal?: AbortSignal } = {},
  ): Promise<UnlockResult> {
    const locks = await this.listLocks(options);
    const gone: LockInfo[] = [];
    const alive: LockInfo[] = [];
    for (const lock of locks) {
      const deadHere = lock.hostname === this.#hostname && !isPidAlive(lock.pid);
      if (deadHere || (await options.isHolderGone?.(lock)) === true) gone.push(lock);
      else alive.push(lock);
    }
    if (gone.length === 0) return { removed: [], kept: alive };

    // Plain unlock removes what restic itself knows to be stale (dead PID on this host, or not
    // refreshed for 30 minutes) and never a live, refreshed lock.
    await this.#exec(unlockArgs(), options);
    let remaining = await this.listLocks(options);
    const goneIds = new Set(gone.map((l) => l.id));
    const stillGone = remaining.filter((l) => goneIds.has(l.id));
    // Holders restic cannot judge (another host) are only removable with --remove-all, which is
    // safe only when every lock left belongs to a gone holder.
    if (stillGone.length > 0 && remaining.every((l) => goneIds.has(l.id))) {
      await this.#exec(unlockArgs({ removeAll: true }), options);
      remaining = await this.listLocks(options);
    }
    const remainingIds = new Set(remaining.map((l) => l.id));
    const removed = gone.filter((l) => !remainingIds.has(l.id));
    this.#logger.info(
      { removed: removed.map((l) => l.id), kept: remaining.map((l) => l.id) },
      'removed stale restic locks',
    );
    return { removed, kept: remaining };
  }

  /** Removes every lock, live or not. Only for an operator who knows no restic process runs. */
  async unlockAll(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#exec(unlockArgs({ removeAll: true }), options);
  }

  async #backup(
    args: string[],
    call: CallOptions,
    extraEnv?: Record<string, string>,
    onStderrLine?: (line: string) => void,
  ): Promise<BackupSummary> {
    let summary: BackupSummary | undefined;
    const onProgress = progressListener(call.onProgress);
    await this.#exec(args, {
      signal: call.signal,
      extraEnv,
      onStderrLine,
      progress: call.onProgress !== undefined,
      onLine: (line) => {
        const m = parseMessageLine(line);
        if (m?.kind === 'backup-summary' && summary === undefined) summary = m.summary;
        else onProgress?.(line);
      },
    });
    if (summary === undefined) {
      throw new ResticError(
        'RESTIC_FAILED',
        'restic backup succeeded but printed no summary with a snapshot id',
        {
          verb: 'backup',
          exitCode: 0,
          signal: null,
          stderrTail: '',
        },
      );
    }
    return summary;
  }

  /** Runs restic to completion; resolves with stdout, rejects with a typed ResticError. */
  async #exec(verbArgs: string[], options: ExecOptions = {}): Promise<string> {
    const args = this.#argv(verbArgs);
    this.#logStart(args);
    const out: string[] = [];
    const proc = this.#start(verbArgs[0] ?? 'restic', {
      command: this.#binary,
      args,
      env: this.#env(options.extraEnv ?? {}, options.progress),
      signal: options.signal,
      onStderrLine: options.onStderrLine,
      onStdoutLine: (line) => {
        if (options.onLine) options.onLine(line);
        else out.push(line);
      },
    });
    const result = await proc.done;
    const verb = verbArgs[0] ?? 'restic';
    if (result.exitCode !== 0 || result.spawnError !== undefined || result.aborted)
      throw this.#failure(verb, result);
    return out.join('\n');
  }

  /** startProcess, with synchronous spawn failures (E2BIG, EACCES on some systems) as ResticErrors. */
  #start(verb: string, spec: Parameters<typeof startProcess>[0]): RunningProcess {
    try {
      return startProcess(spec);
    } catch (e) {
      throw this.#failure(verb, {
        exitCode: null,
        signal: null,
        stderrTail: '',
        aborted: false,
        spawnError: e as Error,
      });
    }
  }

  #failure(verb: string, r: ProcessResult): ResticError {
    if (r.spawnError) {
      return new ResticError(
        'RESTIC_FAILED',
        `cannot run restic (${this.#binary}): ${r.spawnError.message}. Install it with scripts/peers/restic.sh or set the restic binary path.`,
        { verb, exitCode: null, signal: null, stderrTail: '' },
        r.spawnError,
      );
    }
    const error = errorFromExit({
      verb,
      exitCode: r.exitCode,
      signal: r.signal,
      stderrTail: r.stderrTail,
      aborted: r.aborted,
      reason: exitReason(r.stderrTail),
    });
    this.#logger.debug({ verb, code: error.code, exitCode: r.exitCode, signal: r.signal }, 'restic failed');
    return error;
  }

  #argv(verbArgs: string[]): string[] {
    return [
      ...commonFlags({ cacheDir: this.#cacheDir, globalArgs: this.#connection.globalArgs }),
      ...verbArgs,
    ];
  }

  #env(extra: Record<string, string>, progress = false): Record<string, string> {
    return {
      ...this.#baseEnv,
      ...extra,
      ...this.#connection.env,
      RESTIC_REPOSITORY: this.#connection.repository,
      RESTIC_PROGRESS_FPS: progress ? '1' : QUIET_PROGRESS_FPS,
      ...(this.#tmpDir === undefined ? {} : { TMPDIR: this.#tmpDir }),
    };
  }

  #logStart(args: string[]): void {
    this.#logger.debug(
      {
        binary: this.#binary,
        args,
        repository: redactRepository(this.#connection.repository),
        env: envNames(this.#connection.env),
      },
      'running restic',
    );
  }
}

function baseEnvironment(env: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = env === undefined ? { PATH: DEFAULT_PATH } : {};
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v !== undefined && !k.startsWith('RESTIC_')) out[k] = v;
  }
  // An explicit GOMEMLIMIT from the caller wins over the one derived from the cgroup limit.
  const target = out.GOMEMLIMIT === undefined ? resticMemoryTarget(cgroupMemoryLimit()) : undefined;
  if (target !== undefined) out.GOMEMLIMIT = target;
  return out;
}

function progressListener(
  onProgress: ((p: ResticProgress) => void) | undefined,
): ((line: string) => void) | undefined {
  if (!onProgress) return undefined;
  return (line) => {
    const m = parseMessageLine(line);
    if (m?.kind === 'progress') onProgress(m.progress);
  };
}
