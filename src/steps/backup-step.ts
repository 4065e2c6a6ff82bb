/**
 * The backup step of a Job (`stowage backup <addon>`): initialise the repository (the pre-backup
 * action), dump the database straight into restic (no file on disk) — or, for an addon with a
 * folder layout and an interim volume, into the interim folder which restic then backs up
 * (./interim-folder.ts) —, verify that the snapshot exists, and hand the host result to
 * update-status through output.json (./target-step.ts).
 */
import type { HostBackupStats, SnapshotStats } from '../api/index.ts';
import { formatBytes, formatProcessingTime } from '../core/format.ts';
import type { BackupSummary } from '../engine/types.ts';
import { runPlan } from '../engine/run-plan.ts';
import { StowageError } from '../errors.ts';
import { initializeRepository } from './initialize-repository.ts';
import { interimFolder, resetFolder, type InterimFolder } from './interim-folder.ts';
import { withStaleLockRecovery } from './stale-locks.ts';
import type { StepContext, StepTargetInput } from './step-context.ts';
import { runTargetStep, type OpenedTarget } from './target-step.ts';

export interface BackupStepInput extends StepTargetInput {
  backupSession: string;
}

/** What a backup stored: restic's summary and the path the snapshot holds. */
interface Stored {
  summary: BackupSummary;
  path: string;
}

export function runBackupStep(ctx: StepContext, input: BackupStepInput): Promise<HostBackupStats> {
  const session = { namespace: input.namespace, name: input.backupSession };
  return runTargetStep(ctx, input, {
    verb: 'backup',
    session: { backupSession: `${session.namespace}/${session.name}` },
    prepare: (restic) => initializeRepository(ctx, session, restic),
    run: async (t) => {
      const folder = interimFolder(t.addon, input);
      const stored = folder ? await backupFolder(ctx, t, folder) : await backupStream(ctx, t);
      await verifySnapshot(t, stored.summary);
      return { snapshots: [snapshotStats(stored)] };
    },
  });
}

/** The dump goes into the interim folder first; restic then backs up the folder. */
async function backupFolder(ctx: StepContext, t: OpenedTarget, folder: InterimFolder): Promise<Stored> {
  await resetFolder(folder.dir);
  const plan = await folder.addon.planFolderBackup(t.target, folder.dir);
  t.log.info({ layout: 'folder', dir: folder.dir }, 'dump into the interim folder started');
  await runPlan(plan, { env: ctx.processEnv, onStderrLine: t.programLog });
  t.log.info({ dir: folder.dir }, 'dump finished; backing up the interim folder');
  const summary = await withStaleLockRecovery(t.restic, t.log, () =>
    t.restic.backupPaths({ paths: [folder.dir], host: t.host, ...progressOf(ctx) }),
  );
  return { summary, path: folder.dir };
}

/** restic runs the dump itself and stores its stdout as one file. */
async function backupStream(ctx: StepContext, t: OpenedTarget): Promise<Stored> {
  const plan = await t.addon.planBackup(t.target);
  const filename = plan.filename;
  t.log.info({ command: plan.command[0], filename }, 'backup started');
  const summary = await withStaleLockRecovery(t.restic, t.log, () =>
    t.restic.backupFromCommand({
      plan,
      filename,
      host: t.host,
      onStderrLine: t.programLog,
      ...progressOf(ctx),
    }),
  );
  return { summary, path: `/${filename}` };
}

function progressOf(ctx: StepContext): { onProgress?: StepContext['onProgress'] } {
  return ctx.onProgress ? { onProgress: ctx.onProgress } : {};
}

/** Only a snapshot restic can list counts as a backup. */
async function verifySnapshot(t: OpenedTarget, summary: BackupSummary): Promise<void> {
  const listed = await t.restic.snapshots({ host: t.host });
  const shortId = summary.snapshotId.slice(0, 8);
  if (!listed.some((s) => s.id === summary.snapshotId || s.shortId === shortId)) {
    throw new StowageError(
      'SNAPSHOT_NOT_VERIFIED',
      `restic reported snapshot ${summary.snapshotId} but it is not in the repository`,
    );
  }
  t.log.info(
    { snapshot: summary.snapshotId, uploaded: summary.dataAddedPacked, size: summary.totalBytesProcessed },
    'snapshot verified',
  );
}

/** The snapshot as Stash reports it in the host stats (sizes and times formatted as Stash does). */
function snapshotStats({ summary, path }: Stored): SnapshotStats {
  return {
    name: summary.snapshotId.slice(0, 8),
    path,
    totalSize: formatBytes(summary.totalBytesProcessed),
    uploaded: formatBytes(summary.dataAddedPacked),
    processingTime: formatProcessingTime(Math.round(summary.totalDurationSeconds)),
    fileStats: {
      totalFiles: summary.totalFilesProcessed,
      newFiles: summary.filesNew,
      modifiedFiles: summary.filesChanged,
      unmodifiedFiles: summary.filesUnmodified,
    },
  };
}
