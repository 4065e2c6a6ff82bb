/**
 * The last step of every Job (`stowage update-status`): read what the backup/restore step left in
 * output.json, run the post-backup actions when the host succeeded, write the host results into
 * the session, emit events and push the host metrics. A missing output.json is itself reported as
 * a failed host, so a session never waits on a step that died silently.
 */
import { join } from 'node:path';
import type { HostBackupStats, HostRestoreStats, TargetRef } from '../api/index.ts';
import { upsertHostStats } from '../core/status-merge.ts';
import { DEFAULT_HOST } from '../core/hostname.ts';
import { updateBackupSessionStatus } from '../controllers/backup-session/status.ts';
import { updateRestoreSessionStatus } from '../controllers/restore-session/status.ts';
import { errorMessage, StowageError } from '../errors.ts';
import {
  appBindingTarget,
  backupConfigurationInvoker,
  hostBackupMetrics,
  hostRestoreMetrics,
  metricsJobName,
  pushMetrics,
  restoreSessionInvoker,
} from '../metrics/index.ts';
import { openRepository } from './open-repository.ts';
import { readOutput } from './output.ts';
import { runPostBackupActions } from './post-backup-actions.ts';
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

async function hostsFromOutput<H extends HostBackupStats | HostRestoreStats>(
  input: UpdateStatusInput,
  step: string,
): Promise<{ ref: TargetRef; stats: H[] }> {
  const out = await readOutput(input.outputDir);
  if (out) return { ref: out.targetStatus.ref, stats: out.targetStatus.stats as H[] };
  return {
    ref: input.target,
    stats: [
      {
        hostname: DEFAULT_HOST,
        phase: 'Failed',
        error: `the ${step} step left no result in ${join(input.outputDir, 'output.json')}`,
      } as H,
    ],
  };
}

async function updateBackup(ctx: StepContext, input: UpdateStatusInput, sessionName: string): Promise<void> {
  const ns = input.namespace;
  const session = await ctx.store.get('BackupSession', ns, sessionName);
  if (!session) throw new StowageError('NOT_FOUND', `BackupSession ${ns}/${sessionName} not found`);
  const bc = await ctx.store.get('BackupConfiguration', ns, session.spec.invoker.name);
  if (!bc)
    throw new StowageError('NOT_FOUND', `BackupConfiguration ${ns}/${session.spec.invoker.name} not found`);
  const { ref, stats } = await hostsFromOutput<HostBackupStats>(input, 'backup');
  const log = ctx.logger.child({ backupSession: `${ns}/${sessionName}` });

  if (stats.every((h) => h.phase === 'Succeeded')) {
    const opened = await openRepository(ctx, input.repository, {
      scratchDir: join(input.scratchDir, 'update-status'),
      enableCache: input.enableCache,
    });
    try {
      await runPostBackupActions(ctx, {
        session,
        invoker: bc,
        repository: opened.repository,
        restic: opened.restic,
      });
    } finally {
      await opened.dispose();
    }
  }

  await updateBackupSessionStatus(ctx.store, ns, sessionName, ctx.now, (status) => ({
    ...status,
    targets: (status.targets ?? []).map((t) =>
      sameRef(t.ref, ref) ? { ...t, stats: upsertHostStats(t.stats, stats) } : t,
    ),
  }));
  for (const h of stats) {
    await ctx.store.recordEvent({
      involvedObject: { kind: 'BackupSession', namespace: ns, name: sessionName },
      type: h.phase === 'Succeeded' ? 'Normal' : 'Warning',
      reason: h.phase === 'Succeeded' ? 'Host Backup Succeeded' : 'Host Backup Failed',
      message:
        h.phase === 'Succeeded'
          ? `Successfully backed up host ${h.hostname}`
          : `Failed to backup host ${h.hostname}. Reason: ${h.error ?? ''}`,
      source: 'Status Updater',
    });
  }
  if (ctx.pushgatewayUrl) {
    try {
      const invoker = backupConfigurationInvoker(bc);
      const appBinding = ref.name
        ? await ctx.store.get('AppBinding', ref.namespace ?? ns, ref.name)
        : undefined;
      await pushMetrics(hostBackupMetrics(stats, invoker, appBindingTarget(ref, appBinding)), {
        url: ctx.pushgatewayUrl,
        job: metricsJobName(invoker),
        logger: log,
      });
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'failed to push host metrics');
    }
  }
}

async function updateRestore(ctx: StepContext, input: UpdateStatusInput, sessionName: string): Promise<void> {
  const ns = input.namespace;
  const rs = await ctx.store.get('RestoreSession', ns, sessionName);
  if (!rs) throw new StowageError('NOT_FOUND', `RestoreSession ${ns}/${sessionName} not found`);
  const { ref, stats } = await hostsFromOutput<HostRestoreStats>(input, 'restore');
  await updateRestoreSessionStatus(ctx.store, ns, sessionName, ctx.now, (status) => ({
    ...status,
    stats: upsertHostStats(status.stats, stats),
  }));
  for (const h of stats) {
    await ctx.store.recordEvent({
      involvedObject: { kind: 'RestoreSession', namespace: ns, name: sessionName },
      type: h.phase === 'Succeeded' ? 'Normal' : 'Warning',
      reason: h.phase === 'Succeeded' ? 'Host Restore Succeeded' : 'Host Restore Failed',
      message:
        h.phase === 'Succeeded'
          ? `Successfully restored host ${h.hostname}`
          : `Failed to restore host ${h.hostname}. Reason: ${h.error ?? ''}`,
      source: 'Status Updater',
    });
  }
  if (ctx.pushgatewayUrl) {
    try {
      const invoker = restoreSessionInvoker(rs);
      const appBinding = ref.name
        ? await ctx.store.get('AppBinding', ref.namespace ?? ns, ref.name)
        : undefined;
      await pushMetrics(hostRestoreMetrics(stats, invoker, appBindingTarget(ref, appBinding)), {
        url: ctx.pushgatewayUrl,
        job: metricsJobName(invoker),
      });
    } catch (e) {
      ctx.logger.warn({ err: errorMessage(e) }, 'failed to push host restore metrics');
    }
  }
}

const sameRef = (a: TargetRef, b: TargetRef) =>
  a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
