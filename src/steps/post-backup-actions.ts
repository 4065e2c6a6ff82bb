/**
 * Post-backup actions of the last target (stash-spec §3.10): ApplyRetentionPolicy over the whole
 * repository, VerifyRepositoryIntegrity (check + stats), then the Repository status and
 * SendRepositoryMetrics. Each action runs once: it is skipped when its condition already exists.
 */
import type { Condition, ObjectOf } from '../api/index.ts';
import {
  BackupSessionCondition as SC,
  BackupSessionReason as SR,
  getCondition,
  setCondition,
} from '../core/conditions.ts';
import { formatBytes } from '../core/format.ts';
import { retentionFlags } from '../core/retention.ts';
import { updateBackupSessionStatus } from '../controllers/backup-session/status.ts';
import type { Restic } from '../engine/restic.ts';
import { errorMessage } from '../errors.ts';
import {
  backupConfigurationInvoker,
  metricsJobName,
  pushMetrics,
  repositoryMetrics,
} from '../metrics/index.ts';
import type { StepContext } from './step-context.ts';
import { withStaleLockRecovery } from './stale-locks.ts';
import { namespaceOf } from '../api/well-known.ts';

export interface PostBackupInput {
  session: ObjectOf<'BackupSession'>;
  invoker: ObjectOf<'BackupConfiguration'>;
  repository: ObjectOf<'Repository'>;
  restic: Restic;
}

export async function runPostBackupActions(ctx: StepContext, input: PostBackupInput): Promise<void> {
  const ns = namespaceOf(input.session);
  const name = input.session.metadata.name ?? '';
  const log = ctx.logger.child({ backupSession: `${ns}/${name}` });
  const done = (type: string) => getCondition(input.session.status?.conditions, type) !== undefined;
  const record = async (c: Condition) => {
    await updateBackupSessionStatus(ctx.store, ns, name, ctx.now, (s) => ({
      ...s,
      conditions: setCondition(s.conditions ?? [], c, ctx.now()),
    }));
  };

  let removed = 0;
  if (!done(SC.RetentionPolicyApplied)) {
    try {
      const r = await withStaleLockRecovery(input.restic, log, () =>
        input.restic.forget(retentionFlags(input.invoker.spec.retentionPolicy)),
      );
      removed = r.removed;
      log.info({ kept: r.kept, removed: r.removed }, 'retention policy applied');
      await record({
        type: SC.RetentionPolicyApplied,
        status: 'True',
        reason: SR.SuccessfullyAppliedRetentionPolicy,
        message: `Successfully applied retention policy. Kept ${r.kept}, removed ${r.removed} snapshot(s).`,
      });
    } catch (e) {
      await record({
        type: SC.RetentionPolicyApplied,
        status: 'False',
        reason: SR.FailedToApplyRetentionPolicy,
        message: `Failed to apply retention policy. Reason: ${errorMessage(e)}`,
      });
    }
  }

  let integrity: boolean | undefined;
  let totalSize: number | undefined;
  if (!done(SC.RepositoryIntegrityVerified)) {
    try {
      const check = await withStaleLockRecovery(input.restic, log, () => input.restic.check());
      integrity = check.ok;
      totalSize = (await input.restic.stats()).totalSize;
      log.info({ integrity, totalSize }, 'repository verified');
      await record(
        check.ok
          ? {
              type: SC.RepositoryIntegrityVerified,
              status: 'True',
              reason: SR.SuccessfullyVerifiedRepositoryIntegrity,
              message: 'Repository integrity verification succeeded.',
            }
          : {
              type: SC.RepositoryIntegrityVerified,
              status: 'False',
              reason: SR.FailedToVerifyRepositoryIntegrity,
              message: `Repository integrity verification failed: ${check.message}`,
            },
      );
    } catch (e) {
      integrity = false;
      await record({
        type: SC.RepositoryIntegrityVerified,
        status: 'False',
        reason: SR.FailedToVerifyRepositoryIntegrity,
        message: `Failed to verify repository integrity. Reason: ${errorMessage(e)}`,
      });
    }
  }

  const snapshotCount = (await input.restic.snapshots()).length;
  const repoNs = namespaceOf(input.repository);
  const repo = await ctx.store.updateStatus(
    'Repository',
    repoNs,
    input.repository.metadata.name ?? '',
    (cur) => ({
      ...(cur.status ?? {}),
      ...(integrity !== undefined ? { integrity } : {}),
      ...(totalSize !== undefined ? { totalSize: formatBytes(totalSize) } : {}),
      snapshotCount,
      snapshotsRemovedOnLastCleanup: removed,
      lastBackupTime: input.session.metadata.creationTimestamp,
    }),
  );

  if (!done(SC.RepositoryMetricsPushed)) {
    if (!ctx.pushgatewayUrl) {
      await record({
        type: SC.RepositoryMetricsPushed,
        status: 'True',
        reason: SR.SuccessfullyPushedRepositoryMetrics,
        message: 'No Pushgateway is configured; repository metrics were not pushed.',
      });
      return;
    }
    try {
      const invoker = backupConfigurationInvoker(input.invoker);
      await pushMetrics(repositoryMetrics(repo, invoker, { removed }), {
        url: ctx.pushgatewayUrl,
        job: metricsJobName(invoker),
        logger: log,
      });
      await record({
        type: SC.RepositoryMetricsPushed,
        status: 'True',
        reason: SR.SuccessfullyPushedRepositoryMetrics,
        message: 'Successfully pushed repository metrics.',
      });
    } catch (e) {
      await record({
        type: SC.RepositoryMetricsPushed,
        status: 'False',
        reason: SR.FailedToPushRepositoryMetrics,
        message: `Failed to push repository metrics. Reason: ${errorMessage(e)}`,
      });
    }
  }
}
