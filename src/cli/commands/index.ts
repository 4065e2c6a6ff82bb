import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerApply } from './apply.ts';
import { registerDelete } from './delete.ts';
import { registerDescribe } from './describe.ts';
import { registerGet } from './get.ts';
import { registerJobRun } from './job-run.ts';
import { registerServe } from './serve.ts';
import { registerTrigger } from './trigger.ts';
import { registerSteps } from './steps.ts';

export function registerCommands(program: Command, ctx: CliContext): void {
  for (const register of [
    registerApply,
    registerGet,
    registerDescribe,
    registerDelete,
    registerTrigger,
    registerServe,
    registerJobRun,
    registerSteps,
  ]) {
    register(program, ctx);
  }
}
