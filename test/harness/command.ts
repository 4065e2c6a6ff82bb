/**
 * Running a command to its end, as a test does with the CLI or restic: its exit code and its
 * whole output, and a kill when it runs past its time (a hung command fails the test, it does not
 * hang it).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface CommandResult {
  /** The exit code; 128 when a signal ended it (the timeout's SIGKILL). */
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(
  command: string,
  args: readonly string[],
  o: { env: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CommandResult> {
  const child = spawn(command, [...args], { env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code: code ?? (signal ? 128 : -1), stdout, stderr };
}

/** Throws with both outputs unless the command exited 0. */
export function succeeded(what: string, r: CommandResult): CommandResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
