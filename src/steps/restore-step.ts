/**
 * The restore step of a Job (`stowage restore <addon>`): stream the dump out of restic straight
 * into the database's loader (no file on disk) and hand the host result to update-status through
 * output.json. Failures are reported there too; the step exits 0.
 *
 * For an addon with a folder layout the snapshot decides: a snapshot of the stream file is
 * streamed; a snapshot of a folder (an interim-volume backup, Stowage's or Stash's) is restored
 * into the interim folder — from the path the snapshot recorded, whatever path this Job has, so
 * backups taken with and without an interim volume restore alike — and loaded from there.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostRestoreStats, TargetRef } from '../api/index.ts';
import { getAddon } from '../addons/registry.ts';
import { DEFAULT_HOST } from '../core/hostname.ts';
import { formatGoDuration, MILLISECOND } from '../core/format.ts';
import { errorMessage, StowageError } from '../errors.ts';
import { runPlan } from '../engine/run-plan.ts';
import type { Restic } from '../engine/restic.ts';
import type { SnapshotInfo } from '../engine/types.ts';
import { resetFolder } from './interim-folder.ts';
import { loadAddonTarget } from './load-target.ts';
import { programOutputLogger } from './program-output.ts';
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
  const host = input.hostname || DEFAULT_HOST;
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
    const restic = opened.restic;
    const programLog = programOutputLogger(log, addon.name);
    const sourceHost = input.sourceHostname || host;
    for (const snapshot of snapshots) {
      if (addon.folder) {
        const snap = await findSnapshot(restic, snapshot, sourceHost);
        const snapPath = snap.paths[0] ?? '/';
        if (!(snap.paths.length === 1 && snapPath === `/${plan.filename}`)) {
          const dir = input.interimDataDir || join(scratch, 'interim-data');
          await resetFolder(dir);
          log.info({ snapshot: snap.shortId, path: snapPath, dir }, 'restoring the dump folder');
          await restic.restore({ snapshot: `${snap.id}:${snapPath}`, target: dir });
          log.info({ dir }, 'loading from the dump folder');
          await runPlan(await addon.folder.planFolderRestore(target, dir), {
            env: ctx.processEnv,
            onStderrLine: programLog,
          });
          await resetFolder(dir); // the data belongs in the database, not left on the volume
          continue;
        }
        log.info({ snapshot: snap.shortId, filename: plan.filename }, 'restore started');
        await restic.dumpToCommand({
          snapshot: snap.id,
          filename: plan.filename,
          plan,
          onStderrLine: programLog,
        });
        continue;
      }
      log.info({ snapshot, filename: plan.filename }, 'restore started');
      await restic.dumpToCommand({
        snapshot,
        filename: plan.filename,
        ...(snapshot === 'latest' ? { host: sourceHost } : {}),
        plan,
        onStderrLine: programLog,
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

/** The snapshot an id or `latest` (newest of the source host) names; a clear error when none does. */
async function findSnapshot(restic: Restic, snapshot: string, host: string): Promise<SnapshotInfo> {
  if (snapshot === 'latest') {
    const all = await restic.snapshots({ host });
    const newest = all.reduce<SnapshotInfo | undefined>((a, b) => (!a || b.time > a.time ? b : a), undefined);
    if (!newest) throw new StowageError('NOT_FOUND', `the repository has no snapshot of host "${host}"`);
    return newest;
  }
  const all = await restic.snapshots({});
  const found = all.find((s) => s.id === snapshot || s.id.startsWith(snapshot) || s.shortId === snapshot);
  if (!found) throw new StowageError('NOT_FOUND', `snapshot "${snapshot}" is not in the repository`);
  return found;
}
