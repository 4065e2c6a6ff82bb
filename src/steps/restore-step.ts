/**
 * The restore step of a Job (`stowage restore <addon>`): stream the dump out of restic straight
 * into the database's loader (no file on disk) and hand the host result to update-status through
 * output.json. Failures are reported there too; the step exits 0.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostRestoreStats, TargetRef } from '../api/index.ts';
import { getAddon } from '../addons/registry.ts';
import { formatGoDuration, MILLISECOND } from '../core/format.ts';
import { errorMessage, StowageError } from '../errors.ts';
import { loadAddonTarget } from './load-target.ts';
import { openRepository, type OpenedRepository } from './open-repository.ts';
import { writeOutput } from './output.ts';
import type { StepContext, StepTargetInput } from './step-context.ts';

export interface RestoreStepInput extends StepTargetInput {
  restoreSession: string;
  sourceHostname: string;
  /** Snapshot ids (comma list) or `latest`. */
  snapshot: string;
}

export async function runRestoreStep(ctx: StepContext, input: RestoreStepInput): Promise<HostRestoreStats> {
  const started = ctx.now();
  const ref: TargetRef = {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    ...input.appBinding,
  };
  const host = input.hostname || 'host-0';
  const log = ctx.logger.child({ restoreSession: `${input.namespace}/${input.restoreSession}`, host });
  let stats: HostRestoreStats;
  let opened: OpenedRepository | undefined;
  try {
    const addon = getAddon(input.addon);
    if (!addon) throw new StowageError('INVALID_INPUT', `unknown addon "${input.addon}"`);
    const scratch = join(input.scratchDir, 'restore');
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    opened = await openRepository(ctx, input.repository, {
      scratchDir: scratch,
      enableCache: input.enableCache,
    });
    const target = await loadAddonTarget(ctx, input.appBinding, {
      args: input.args,
      params: input.params,
      scratchDir: scratch,
    });
    await addon.waitReady(target, input.waitTimeoutSeconds);
    const plan = await addon.planRestore(target);
    const snapshots = input.snapshot
      ? input.snapshot
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : ['latest'];
    for (const snapshot of snapshots) {
      log.info({ snapshot, filename: plan.filename }, 'restore started');
      await opened.restic.dumpToCommand({
        snapshot,
        filename: plan.filename,
        ...(snapshot === 'latest' ? { host: input.sourceHostname || host } : {}),
        plan,
      });
    }
    stats = {
      hostname: host,
      phase: 'Succeeded',
      duration: formatGoDuration((ctx.now().getTime() - started.getTime()) * MILLISECOND),
    };
    log.info({ duration: stats.duration }, 'restore succeeded');
  } catch (e) {
    log.error({ err: errorMessage(e) }, 'restore failed');
    stats = {
      hostname: host,
      phase: 'Failed',
      duration: formatGoDuration((ctx.now().getTime() - started.getTime()) * MILLISECOND),
      error: errorMessage(e),
    };
  } finally {
    await opened?.dispose();
  }
  await writeOutput(input.outputDir, { targetStatus: { ref, stats: [stats] } });
  return stats;
}
