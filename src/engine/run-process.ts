/**
 * The one way the engine runs a program. Every child gets its own process group so that an abort
 * also stops what it started (restic's `--stdin-from-command` child, a dump tool), stdout is
 * delivered line by line (or handed over as a stream), and only a bounded tail of stderr is kept,
 * so a chatty process cannot exhaust memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/** How long a process may take to exit after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES = 8_192;

export interface ProcessSpec {
  command: string;
  args: readonly string[];
  /** The complete environment of the child (nothing is inherited implicitly). */
  env: Record<string, string>;
  cwd?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called for each stdout line. Ignored when `stdout` is 'stream'. */
  onStdoutLine?: ((line: string) => void) | undefined;
  /** Called for each stderr line (restic reports backend retries there). */
  onStderrLine?: ((line: string) => void) | undefined;
  /** 'stream': the caller consumes `process.stdout` itself (e.g. pipes it into another program). */
  stdout?: 'lines' | 'stream' | undefined;
  /** Stream to feed into the child's stdin; stdin is closed (/dev/null) when unset. */
  stdin?: Readable | undefined;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Last ≤8 KiB of stderr. */
  stderrTail: string;
  /** True when the AbortSignal fired before the process ended. */
  aborted: boolean;
  /** Spawn failure (e.g. ENOENT), if the process never ran. */
  spawnError?: Error | undefined;
}

export interface RunningProcess {
  child: ChildProcess;
  stdout: Readable;
  done: Promise<ProcessResult>;
  /** Stops the whole process group: SIGTERM, then SIGKILL after a grace period. */
  stop(): void;
}

export function startProcess(spec: ProcessSpec): RunningProcess {
  const child = spawn(spec.command, [...spec.args], {
    env: spec.env,
    cwd: spec.cwd,
    detached: true, // own process group: see killGroup
    stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error('spawn did not create stdout/stderr pipes');
  const stderrTail = keepTail(stderr);
  const stderrDone = spec.onStderrLine ? readLines(stderr, spec.onStderrLine) : Promise.resolve();
  const stdoutDone = spec.stdout === 'stream' ? Promise.resolve() : readLines(stdout, spec.onStdoutLine);
  if (spec.stdin && child.stdin) {
    // The consumer may exit early (EPIPE); its exit status tells the real story, so swallow it here.
    child.stdin.on('error', () => undefined);
    spec.stdin.pipe(child.stdin);
  }
  const stopper = stopperOf(child, spec.signal);
  const done = new Promise<ProcessResult>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
    });
    child.once('close', (exitCode, signal) => {
      stopper.dispose();
      void Promise.all([stdoutDone, stderrDone]).then(() =>
        resolve({ exitCode, signal, stderrTail: stderrTail(), aborted: stopper.aborted(), spawnError }),
      );
    });
  });
  return { child, stdout, done, stop: stopper.stop };
}

/** Keeps the last STDERR_TAIL_BYTES of a stream; returns a reader of what it kept. */
function keepTail(stream: Readable): () => string {
  let tail = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  return () => tail;
}

/** Hands each line of a stream to `onLine`; resolves when the stream ends. */
function readLines(input: Readable, onLine: ((line: string) => void) | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', (line) => onLine?.(line));
    rl.on('close', () => resolve());
  });
}

/**
 * Stops the child's process group on request or when `signal` aborts: SIGTERM, then SIGKILL after
 * KILL_GRACE_MS. `dispose` once the child has exited.
 */
function stopperOf(
  child: ChildProcess,
  signal: AbortSignal | undefined,
): { stop: () => void; aborted: () => boolean; dispose: () => void } {
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    killTimer ??= setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  const onAbort = (): void => {
    aborted = true;
    stop();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    stop,
    aborted: () => aborted,
    dispose: () => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
    },
  };
}

/** Signals the child's whole process group, falling back to the child alone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
