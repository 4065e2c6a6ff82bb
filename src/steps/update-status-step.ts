/**
 * The last step of every Job (`stowage update-status`): read what the backup/restore step left in
 * output.json, run the post-backup actions when the host succeeded, write the host results into
 * the session, emit events and push the host metrics. A missing output.json is itself reported as
 * a failed host, so a session never waits on a step that died silently.
 */
import { updateSessionStatus } from '../controllers/session-status.ts';
import { join } from 'node:path';
import type { HostBackupStats, HostRestoreStats, ObjectOf, TargetRef } from '../api/index.ts';
import { DEFAULT_HOST } from '../core/hostname.ts';
import { upsertBackupTargetStatus, upsertHostStats } from '../core/status-merge.ts';
import { StowageError } from '../errors.ts';
import {
  backupConfigurationInvoker,
  hostBackupMetrics,
  hostRestoreMetrics,
  restoreSessionInvoker,
} from '../metrics/index.ts';
import { reportHosts } from './host-report.ts';
import { withRepository } from './open-repository.ts';
import { outputFile, readOutput } from './output.ts';
import { runPostBackupActions } from './post-backup-actions.ts';
import { requireObject } from '../controllers/required-objects.ts';
import type { StepContext } from './step-context.ts';

export interface UpdateStatusInput {
  namespace: string;
  backupSession?: string;
  restoreSession?: string;
  repository: { namespace: string; name: string };
  target: TargetRef;
  outputDir: string;
  scratchDir: string;
  enableCache: boolean;
}

export async function runUpdateStatus(ctx: StepContext, input: UpdateStatusInput): Promise<void> {
  if (input.backupSession) return updateBackup(ctx, input, input.backupSession);
  if (input.restoreSession) return updateRestore(ctx, input, input.restoreSession);
  throw new StowageError('USAGE', 'update-status needs --backupsession or --restoresession');
}

async function updateBackup(ctx: StepContext, input: UpdateStatusInput, name: string): Promise<void> {
  const ns = input.namespace;
  const session = await requireObject(ctx.store, 'BackupSession', { namespace: ns, name });
  const bc = await requireObject(ctx.store, 'BackupConfiguration', {
    namespace: ns,
    name: session.spec.invoker.name,
  });
  const { ref, stats } = await hostsFromOutput<HostBackupStats>(input, 'backup');
  if (stats.every((h) => h.phase === 'Succeeded')) await postBackup(ctx, input, session, bc);
  await updateSessionStatus(ctx.store, 'BackupSession', ns, name, ctx.now, (status) => ({
    ...status,
    targets: upsertBackupTargetStatus(status.targets, { ref, stats }, ctx.now()),
  }));
  const invoker = backupConfigurationInvoker(bc);
  await reportHosts(ctx, { kind: 'BackupSession', namespace: ns, name }, stats, {
    invoker,
    ref,
    registry: (target) => hostBackupMetrics(stats, invoker, target),
  });
}

async function updateRestore(ctx: StepContext, input: UpdateStatusInput, name: string): Promise<void> {
  const ns = input.namespace;
  const session = await requireObject(ctx.store, 'RestoreSession', { namespace: ns, name });
  const { ref, stats } = await hostsFromOutput<HostRestoreStats>(input, 'restore');
  await updateSessionStatus(ctx.store, 'RestoreSession', ns, name, ctx.now, (status) => ({
    ...status,
    stats: upsertHostStats(status.stats, stats),
  }));
  const invoker = restoreSessionInvoker(session);
  await reportHosts(ctx, { kind: 'RestoreSession', namespace: ns, name }, stats, {
    invoker,
    ref,
    registry: (target) => hostRestoreMetrics(stats, invoker, target),
  });
}

async function hostsFromOutput<H extends HostBackupStats | HostRestoreStats>(
  input: UpdateStatusInput,
  step: string,
): Promise<{ ref: TargetRef; stats: H[] }> {
  const out = await readOutput(input.outputDir);
  if (out) return { ref: out.targetStatus.ref, stats: out.targetStatus.stats as H[] };
  const error = `the ${step} step left no result in ${outputFile(input.outputDir)}`;
  return { ref: input.target, stats: [{ hostname: DEFAULT_HOST, phase: 'Failed', error } as H] };
}

async function postBackup(
  ctx: StepContext,
  input: UpdateStatusInput,
  session: ObjectOf<'BackupSession'>,
  invoker: ObjectOf<'BackupConfiguration'>,
): Promise<void> {
  const scratchDir = join(input.scratchDir, 'update-status');
  await withRepository(ctx, input.repository, { scratchDir, enableCache: input.enableCache }, (opened) =>
    runPostBackupActions(ctx, { session, invoker, ...opened }),
  );
}
