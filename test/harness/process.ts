/**
 * Starting and stopping test servers: free ports, readiness by TCP connect or HTTP, bounded output
 * capture for failure messages, and a stop that escalates from SIGTERM to SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export interface ServerProcess {
  child: ChildProcess;
  /** Last 16 KiB of stdout+stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period (5 s); resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL now (simulates a crash). */
  kill(): Promise<void>;
  /** Not exited yet. */
  running(): boolean;
}

export function startServer(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; graceMs?: number } = {},
): ServerProcess {
  const child = spawn(command, [...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child, name);

  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const exited = once(child, 'exit');
  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    if (gone()) return;
    child.kill(signal);
    const grace = options.graceMs ?? 5_000;
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), grace);
    await exited;
    if (timer) clearTimeout(timer);
  };
  return {
    child,
    output,
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    running: () => !gone(),
  };
}

/** Polls `probe` every 100 ms until it is true; fails early when `server` exits. */
export async function waitUntil(
  name: string,
  server: ServerProcess,
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = server.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${name} exited (${exitCode ?? signalCode}) before ${what}:\n${server.output()}`);
    }
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name}: no ${what} within ${timeoutMs / 1000}s:\n${server.output()}`);
}

export function waitForPort(
  name: string,
  server: ServerProcess,
  port: number,
  timeoutMs = 30_000,
): Promise<void> {
  const probe = (): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  return waitUntil(name, server, probe, `port ${port} open`, timeoutMs);
}

/** Ready when GET `url` answers with one of `okStatuses` (default: any 2xx). */
export function waitForHttp(
  name: string,
  server: ServerProcess,
  url: string,
  options: { timeoutMs?: number; okStatuses?: number[] } = {},
): Promise<void> {
  const probe = async (): Promise<boolean> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      return options.okStatuses ? options.okStatuses.includes(res.status) : res.ok;
    } catch {
      return false;
    }
  };
  return waitUntil(name, server, probe, `GET ${url} answered`, options.timeoutMs ?? 30_000);
}

/** Stops a server that failed to become ready, then rethrows. */
export async function readyOrStop(server: ServerProcess, ready: Promise<void>): Promise<void> {
  try {
    await ready;
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/** The last 16 KiB of a child's stdout and stderr (and a spawn error), for failure messages. */
export function collectOutput(child: ChildProcess, name: string): () => string {
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (e) => collect(Buffer.from(`\n[${name}] spawn error: ${e.message}\n`)));
  return () => output;
}
