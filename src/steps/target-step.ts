/**
 * What the backup and the restore step of a Job share (stash-spec §8): open the repository and the
 * addon's target, wait for the database, run the step's own work, time it, and hand the host
 * result to update-status through output.json. A failure is reported there too and not thrown,
 * as Stash's steps do, so the last step can always write the session status.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TargetRef } from '../api/index.ts';
import type { AddonTarget, StreamingAddon } from '../addons/addon.ts';
import { getAddon } from '../addons/registry.ts';
import { formatGoDuration, MILLISECOND } from '../core/format.ts';
import { DEFAULT_HOST } from '../core/hostname.ts';
import type { Restic } from '../engine/restic.ts';
import { errorMessage, StowageError } from '../errors.ts';
import { loadAddonTarget } from './load-target.ts';
import { withRepository } from './open-repository.ts';
import { writeOutput } from './output.ts';
import { programOutputLogger } from './program-output.ts';
import type { StepContext, StepTargetInput } from './step-context.ts';

/** What a step's own work gets: everything opened, for this host. */
export interface OpenedTarget {
  addon: StreamingAddon;
  target: AddonTarget;
  restic: Restic;
  /** This step's private folder (secret files, restic's tmp and cache). */
  scratch: string;
  host: string;
  log: Logger;
  /** Turns the addon program's stderr lines into log lines. */
  programLog: (line: string) => void;
}

export interface TargetStep<Extra> {
  verb: 'backup' | 'restore';
  /** The session as a log field, e.g. `{ backupSession: 'demo/x-1714557600' }`. */
  session: Record<string, string>;
  /** Runs on the open repository before the target is read (backup: create the repository). */
  prepare?: (restic: Restic) => Promise<void>;
  /** The step's own work; returns what the host stats carry besides phase, duration and error. */
  run: (opened: OpenedTarget) => Promise<Extra>;
}

/** The host stats both steps write; `Extra` is what the step adds on success (backup: snapshots). */
export type HostResult<Extra> = {
  hostname: string;
  phase: 'Succeeded' | 'Failed';
  duration: string;
  error?: string;
} & Partial<Extra>;

export async function runTargetStep<Extra extends object>(
  ctx: StepContext,
  input: StepTargetInput,
  step: TargetStep<Extra>,
): Promise<HostResult<Extra>> {
  const started = ctx.now().getTime();
  const host = input.hostname || DEFAULT_HOST;
  const log = ctx.logger.child({ ...step.session, host });
  const duration = () => formatGoDuration((ctx.now().getTime() - started) * MILLISECOND);
  let stats: HostResult<Extra>;
  try {
    const extra = await openTargetAndRun(ctx, input, step, host, log);
    stats = { hostname: host, phase: 'Succeeded', duration: duration(), ...extra };
    log.info({ duration: stats.duration }, `${step.verb} succeeded`);
  } catch (e) {
    log.error({ err: errorMessage(e) }, `${step.verb} failed`);
    const failed = { hostname: host, phase: 'Failed', duration: duration(), error: errorMessage(e) } as const;
    // A failed host carries none of the step's own results; TypeScript cannot see {} fits Partial<Extra>.
    stats = failed as HostResult<Extra>;
  }
  await writeOutput(input.outputDir, {
    targetStatus: { ref: appBindingRef(input.appBinding), stats: [stats] },
  });
  return stats;
}

async function openTargetAndRun<Extra>(
  ctx: StepContext,
  input: StepTargetInput,
  step: TargetStep<Extra>,
  host: string,
  log: Logger,
): Promise<Extra> {
  const addon = getAddon(input.addon);
  if (!addon) throw new StowageError('INVALID_INPUT', `unknown addon "${input.addon}"`);
  const scratch = join(input.scratchDir, step.verb);
  return withRepository(
    ctx,
    input.repository,
    { scratchDir: scratch, enableCache: input.enableCache },
    async ({ restic }) => {
      await step.prepare?.(restic);
      const target = await loadAddonTarget(ctx, input.appBinding, {
        args: input.args,
        params: input.params,
        scratchDir: scratch,
      });
      log.info({ addon: addon.name }, 'waiting for the database');
      await addon.waitReady(target, input.waitTimeoutSeconds);
      const programLog = programOutputLogger(log, addon.name);
      return step.run({ addon, target, restic, scratch, host, log, programLog });
    },
  );
}

/** The target both steps report on: the AppBinding they read. */
function appBindingRef(appBinding: { namespace: string; name: string }): TargetRef {
  return {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    name: appBinding.name,
    namespace: appBinding.namespace,
  };
}
