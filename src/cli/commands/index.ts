import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerApply } from './apply.ts';
import { registerCheck } from './check.ts';
import { registerDelete } from './delete.ts';
import { registerDescribe } from './describe.ts';
import { registerDownload } from './download.ts';
import { registerGet } from './get.ts';
import { registerJobRun } from './job-run.ts';
import { registerPause } from './pause.ts';
import { registerRestore } from './restore.ts';
import { registerServe } from './serve.ts';
import { registerSnapshots } from './snapshots.ts';
import { registerSteps } from './steps.ts';
import { registerTrigger } from './trigger.ts';
import { registerUnlock } from './unlock.ts';

export function registerCommands(program: Command, ctx: CliContext): void {
  for (const register of [
    registerApply,
    registerGet,
    registerDescribe,
    registerDelete,
    registerTrigger,
    registerPause,
    registerRestore,
    registerSnapshots,
    registerCheck,
    registerUnlock,
    registerDownload,
    registerServe,
    registerJobRun,
    registerSteps,
  ]) {
    register(program, ctx);
  }
}
