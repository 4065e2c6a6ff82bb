/**
 * Runs an addon's program to completion on its own (not under restic): the dump into an interim
 * folder before restic backs it up, and the load from a folder restic restored. Its stdout and
 * stderr lines go to the caller (progress lines); a failure is a CommandFailedError with the tail
 * of stderr, so the session's error says what the program said.
 */
import { basename } from 'node:path';
import { StowageError } from '../errors.ts';
import { CommandFailedError } from './errors.ts';
import { startProcess } from './run-process.ts';
import type { CommandPlan } from './types.ts';

export interface RunPlanOptions {
  /** PATH, HOME and the like; the plan's env is added on top. */
  env: Record<string, string>;
  signal?: AbortSignal | undefined;
  onStderrLine?: ((line: string) => void) | undefined;
  onStdoutLine?: ((line: string) => void) | undefined;
}

export async function runPlan(plan: CommandPlan, options: RunPlanOptions): Promise<void> {
  const [program, ...args] = plan.command;
  if (program === undefined) throw new StowageError('INVALID_INPUT', 'runPlan: the command is empty');
  const proc = startProcess({
    command: program,
    args,
    env: { ...options.env, ...plan.env },
    signal: options.signal,
    onStdoutLine: options.onStdoutLine,
    onStderrLine: options.onStderrLine,
  });
  const r = await proc.done;
  // The script a node program runs names it better than "node".
  const name = basename(args.find((a) => a.endsWith('.ts') || a.endsWith('.js')) ?? program);
  if (r.spawnError) throw new CommandFailedError(name, null, null, r.spawnError.message);
  if (r.aborted) throw new StowageError('ABORTED', `${name} was stopped`);
  if (r.exitCode !== 0) throw new CommandFailedError(name, r.exitCode, r.signal, r.stderrTail);
}
