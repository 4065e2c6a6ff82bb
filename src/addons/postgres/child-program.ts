/**
 * What the two programs restic runs for this addon (./dump-databases.ts, ./load-dump.ts) share:
 * they start a PostgreSQL tool, pass on SIGTERM/SIGINT to it, and exit with its status; and their
 * entry turns a result into the exit code, or an error into one line on stderr.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface ToolRun {
  child: ChildProcess;
  /** The tool's exit code (128 when a signal ended it). */
  exited: Promise<number>;
  /** Stops forwarding signals; call it once the tool is done. */
  release(): void;
}

/** Starts `command` and forwards this process's SIGTERM and SIGINT to it. */
export function startTool(command: string, args: string[], stdio: StdioOptions): ToolRun {
  const child = spawn(command, args, { stdio });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return { child, exited, release: () => process.off('SIGTERM', forward).off('SIGINT', forward) };
}

/** Runs a program's `main` and exits with its code; an error is one line `<name>: <message>`. */
export function runProgram(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
