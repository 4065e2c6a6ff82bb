/**
 * The backup step of a Job (`stowage backup <addon>`): initialise the repository if this target
 * owns that pre-backup action, dump the database straight into restic (no file on disk) — or, for
 * an addon with a folder layout and an interim volume, into the interim folder which restic then
 * backs up (./interim-folder.ts) —, verify that the snapshot exists, and hand the host result to
 * update-status through output.json. It reports failures in output.json too and exits 0, as
 * Stash's steps do, so the last step can always write the session status.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Condition, HostBackupStats, TargetRef } from '../api/index.ts';
import { getAddon } from '../addons/registry.ts';
import { DEFAULT_HOST } from '../core/hostname.ts';
import { setCondition, BackupSessionCondition as SC, BackupSessionReason as SR } from '../core/conditions.ts';
import { formatBytes, formatGoDuration, formatProcessingTime, MILLISECOND } from '../core/format.ts';
import { updateBackupSessionStatus } from '../controllers/backup-session/status.ts';
import { errorMessage, StowageError } from '../errors.ts';
import type { Restic } from '../engine/restic.ts';
import { runPlan } from '../engine/run-plan.ts';
import { interimFolder, resetFolder } from './interim-folder.ts';
import { loadAddonTarget } from './load-target.ts';
import { programOutputLogger } from './program-output.ts';
import { openRepository, type OpenedRepository } from './open-repository.ts';
import { writeOutput } from './output.ts';
import { withStaleLockRecovery } from './stale-locks.ts';
import type { StepContext, StepTargetInput } from './step-context.ts';

export interface BackupStepInput extends StepTargetInput {
  backupSession: string;
}

type Summary = Awaited<ReturnType<Restic['backupPaths']>>;

const SNAPSHOT_FILENAME = 'dumpfile.sql';

export async function runBackupStep(ctx: StepContext, input: BackupStepInput): Promise<HostBackupStats> {
  const started = ctx.now();
  const ref: TargetRef = {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    name: input.appBinding.name,
    namespace: input.appBinding.namespace,
  };
  const host = input.hostname || DEFAULT_HOST;
  const log = ctx.logger.child({ backupSession: `${input.namespace}/${input.backupSession}`, host });
  let stats: HostBackupStats;
  let opened: OpenedRepository | undefined;
  try {
    const addon = getAddon(input.addon);
    if (!addon) throw new StowageError('INVALID_INPUT', `unknown addon "${input.addon}"`);
    const scratch = join(input.scratchDir, 'backup');
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    opened = await openRepository(ctx, input.repository, {
      scratchDir: scratch,
      enableCache: input.enableCache,
    });
    await initializeRepository(ctx, input, opened.restic);

    const target = await loadAddonTarget(ctx, input.appBinding, {
      args: input.args,
      params: input.params,
      scratchDir: scratch,
    });
    log.info({ addon: addon.name }, 'waiting for the database');
    await addon.waitReady(target, input.waitTimeoutSeconds);
    const restic = opened.restic;
    const progress = ctx.onProgress ? { onProgress: ctx.onProgress } : {};
    const programLog = programOutputLogger(log, addon.name);
    const folder = interimFolder(addon, input);
    let summary: Summary;
    let snapshotPath: string;
    if (folder) {
      await resetFolder(folder.dir);
      const plan = await folder.addon.planFolderBackup(target, folder.dir);
      log.info({ layout: 'folder', dir: folder.dir }, 'dump into the interim folder started');
      await runPlan(plan, { env: ctx.processEnv, onStderrLine: programLog });
      log.info({ dir: folder.dir }, 'dump finished; backing up the interim folder');
      summary = await withStaleLockRecovery(restic, log, () =>
        restic.backupPaths({ paths: [folder.dir], host, ...progress }),
      );
      snapshotPath = folder.dir;
    } else {
      const plan = await addon.planBackup(target);
      const filename = plan.filename || SNAPSHOT_FILENAME;
      log.info({ command: plan.command[0], filename }, 'backup started');
      summary = await withStaleLockRecovery(restic, log, () =>
        restic.backupFromCommand({ plan, filename, host, onStderrLine: programLog, ...progress }),
      );
      snapshotPath = `/${filename}`;
    }
    // Only a snapshot restic can list counts as a backup.
    const listed = await opened.restic.snapshots({ host });
    if (!listed.some((s) => s.id === summary.snapshotId || s.shortId === summary.snapshotId.slice(0, 8))) {
      throw new StowageError(
        'SNAPSHOT_NOT_VERIFIED',
        `restic reported snapshot ${summary.snapshotId} but it is not in the repository`,
      );
    }
    stats = {
      hostname: host,
      phase: 'Succeeded',
      duration: formatGoDuration((ctx.now().getTime() - started.getTime()) * MILLISECOND),
      snapshots: [
        {
          name: summary.snapshotId.slice(0, 8),
          path: snapshotPath,
          totalSize: formatBytes(summary.totalBytesProcessed),
          uploaded: formatBytes(summary.dataAddedPacked),
          processingTime: formatProcessingTime(Math.round(summary.totalDurationSeconds)),
          fileStats: {
            totalFiles: summary.totalFilesProcessed,
            newFiles: summary.filesNew,
            modifiedFiles: summary.filesChanged,
            unmodifiedFiles: summary.filesUnmodified,
          },
        },
      ],
    };
    log.info(
      {
        snapshot: summary.snapshotId,
        uploaded: stats.snapshots?.[0]?.uploaded,
        size: stats.snapshots?.[0]?.totalSize,
      },
      'backup succeeded',
    );
  } catch (e) {
    log.error({ err: errorMessage(e) }, 'backup failed');
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

/** Pre-backup action InitializeBackendRepository → BackendRepositoryInitialized (stash-spec §3.10). */
async function initializeRepository(ctx: StepContext, input: BackupStepInput, restic: Restic): Promise<void> {
  let condition: Condition;
  try {
    const result = await restic.ensureRepository();
    condition = {
      type: SC.BackendRepositoryInitialized,
      status: 'True',
      reason: SR.BackendRepositoryFound,
      message:
        result === 'initialized'
          ? 'Repository has been initialized successfully.'
          : 'Repository exist in the backend.',
    };
  } catch (e) {
    condition = {
      type: SC.BackendRepositoryInitialized,
      status: 'False',
      reason: SR.FailedToInitializeBackendRepository,
      message: `Failed to initialize backend repository. Reason: ${errorMessage(e)}`,
    };
  }
  await updateBackupSessionStatus(ctx.store, input.namespace, input.backupSession, ctx.now, (status) => ({
    ...status,
    conditions: setCondition(status.conditions ?? [], condition, ctx.now()),
  }));
  if (condition.status === 'False')
    throw new StowageError('REPOSITORY_INIT_FAILED', condition.message ?? 'repository init failed');
}
