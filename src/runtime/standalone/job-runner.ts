/**
 * Runs one standalone Job: its steps in order as local processes, each with its own log file,
 * then records Succeeded or Failed (with the step and exit status) in the state database.
 * Container paths in args and env are mapped onto the Job's work folder, the way a kubelet mounts
 * volumes: /stash-tmp → <work>/stash-tmp, /stash-interim-volume → <work>/interim.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JobSpec, JobStep } from '../../controllers/store.ts';
import { stopJobProcesses } from './job-processes.ts';
import { mountPaths } from './paths.ts';
import { inTransaction, type StateDb } from './state-db.ts';

export interface JobRunnerOptions {
  db: StateDb;
  namespace: string;
  name: string;
  /** Maps a step image to the local argv that runs it (the `stowage` build for our image). */
  resolveImage: (image: string) => string[] | undefined;
  env: Record<string, string>;
  logger: Logger;
}

export function mapPaths(value: string, mounts: Array<[string, string]>): string {
  let out = value;
  for (const [from, to] of mounts) out = out.split(from).join(to);
  return out;
}

function runStep(
  step: JobStep,
  argv: string[],
  env: Record<string, string>,
  logFile: string,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const fd = openSync(logFile, 'a', 0o600);
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { stdio: ['ignore', fd, fd], env });
    child.on('error', (e) => {
      closeSync(fd);
      resolve(`step ${step.name} could not start: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      if (code === 0) resolve(undefined);
      else resolve(`step ${step.name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`);
    });
  });
}

export async function runJob(o: JobRunnerOptions): Promise<'Succeeded' | 'Failed'> {
  const row = o.db
    .prepare('SELECT spec, workdir FROM jobs WHERE namespace = ? AND name = ?')
    .get(o.namespace, o.name) as { spec: string; workdir: string } | undefined;
  if (!row) throw new Error(`job ${o.namespace}/${o.name} not found in the state database`);
  const job = JSON.parse(row.spec) as JobSpec;
  const mounts = mountPaths(row.workdir);
  for (const [, dir] of mounts) mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(join(row.workdir, 'logs'), { recursive: true });

  let failure: string | undefined;
  for (const step of job.steps) {
    const base = o.resolveImage(step.image);
    if (!base) {
      failure = `step ${step.name}: image "${step.image}" cannot run in the standalone runtime (only the stowage image can)`;
      break;
    }
    const argv = [...base, ...[...step.command, ...step.args].map((a) => mapPaths(a, mounts))];
    const env = { ...o.env };
    for (const [k, v] of Object.entries(step.env)) env[k] = mapPaths(v, mounts);
    o.logger.info({ job: o.name, step: step.name }, 'step started');
    failure = await runStep(step, argv, env, join(row.workdir, 'logs', `${step.name}.log`));
    // A container's processes end with it: whatever a dead step started (restic, a dump tool) stops too.
    const leftovers = await stopJobProcesses(row.workdir);
    o.logger.info({ job: o.name, step: step.name, failure, leftovers }, 'step finished');
    if (failure) break;
  }
  const phase = failure ? 'Failed' : 'Succeeded';
  inTransaction(o.db, () => {
    o.db
      .prepare('UPDATE jobs SET phase = ?, reason = ?, finished_at = ? WHERE namespace = ? AND name = ?')
      .run(phase, failure ?? null, new Date().toISOString(), o.namespace, o.name);
  });
  return phase;
}
