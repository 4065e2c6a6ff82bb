/**
 * Post-backup actions of the last target (stash-spec §3.10): ApplyRetentionPolicy over the whole
 * repository, VerifyRepositoryIntegrity (check + stats), then the Repository status and
 * SendRepositoryMetrics. Each action runs once: it is skipped when its condition already exists
 * (./session-conditions.ts).
 */
import type { ObjectOf } from '../api/index.ts';
import { namespaceOf, nameOf } from '../api/well-known.ts';
import { BackupSessionCondition as SC, BackupSessionReason as SR } from '../core/conditions.ts';
import { formatBytes } from '../core/format.ts';
import { retentionFlags } from '../core/retention.ts';
import type { Restic } from '../engine/restic.ts';
import {
  backupConfigurationInvoker,
  metricsJobName,
  pushMetrics,
  repositoryMetrics,
} from '../metrics/index.ts';
import { failedBecause, runOnce, succeeded, type ActionOutcome } from './session-conditions.ts';
import { withStaleLockRecovery } from './stale-locks.ts';
import type { StepContext } from './step-context.ts';

export interface PostBackupInput {
  session: ObjectOf<'BackupSession'>;
  invoker: ObjectOf<'BackupConfiguration'>;
  repository: ObjectOf<'Repository'>;
  restic: Restic;
}

/** What the integrity check learned; unknown fields are left as the Repository status has them. */
interface Verified {
  integrity?: boolean;
  totalSize?: number;
}

export async function runPostBackupActions(ctx: StepContext, input: PostBackupInput): Promise<void> {
  const post = {
    ...input,
    log: ctx.logger.child({ backupSession: `${namespaceOf(input.session)}/${nameOf(input.session)}` }),
  };
  const removed = await runOnce(ctx, input.session, SC.RetentionPolicyApplied, 0, () =>
    applyRetentionPolicy(post),
  );
  const verified = await runOnce(ctx, input.session, SC.RepositoryIntegrityVerified, {}, () =>
    verifyIntegrity(post),
  );
  const repository = await writeRepositoryStatus(ctx, input, removed, verified);
  await runOnce(ctx, input.session, SC.RepositoryMetricsPushed, undefined, () =>
    sendRepositoryMetrics(ctx, post, repository, removed),
  );
}

type ActionInput = PostBackupInput & { log: StepContext['logger'] };

/** `restic forget` (and prune) with the BackupConfiguration's policy; the value is the count removed. */
async function applyRetentionPolicy({ restic, invoker, log }: ActionInput): Promise<ActionOutcome<number>> {
  try {
    const r = await withStaleLockRecovery(restic, log, () =>
      restic.forget(retentionFlags(invoker.spec.retentionPolicy)),
    );
    log.info({ kept: r.kept, removed: r.removed }, 'retention policy applied');
    return {
      value: r.removed,
      report: succeeded(
        SR.SuccessfullyAppliedRetentionPolicy,
        `Successfully applied retention policy. Kept ${r.kept}, removed ${r.removed} snapshot(s).`,
      ),
    };
  } catch (e) {
    return {
      value: 0,
      report: failedBecause(SR.FailedToApplyRetentionPolicy, 'Failed to apply retention policy', e),
    };
  }
}

/** `restic check`, then the repository size; a check that cannot run counts as not verified. */
async function verifyIntegrity({ restic, log }: ActionInput): Promise<ActionOutcome<Verified>> {
  try {
    const check = await withStaleLockRecovery(restic, log, () => restic.check());
    const { totalSize } = await restic.stats();
    log.info({ integrity: check.ok, totalSize }, 'repository verified');
    return {
      value: { integrity: check.ok, totalSize },
      report: check.ok
        ? succeeded(
            SR.SuccessfullyVerifiedRepositoryIntegrity,
            'Repository integrity verification succeeded.',
          )
        : {
            status: 'False',
            reason: SR.FailedToVerifyRepositoryIntegrity,
            message: `Repository integrity verification failed: ${check.message}`,
          },
    };
  } catch (e) {
    return {
      value: { integrity: false },
      report: failedBecause(SR.FailedToVerifyRepositoryIntegrity, 'Failed to verify repository integrity', e),
    };
  }
}

async function writeRepositoryStatus(
  ctx: StepContext,
  input: PostBackupInput,
  removed: number,
  verified: Verified,
): Promise<ObjectOf<'Repository'>> {
  const snapshotCount = (await input.restic.snapshots()).length;
  const { integrity, totalSize } = verified;
  return ctx.store.updateStatus(
    'Repository',
    namespaceOf(input.repository),
    nameOf(input.repository),
    (cur) => ({
      ...(cur.status ?? {}),
      ...(integrity !== undefined ? { integrity } : {}),
      ...(totalSize !== undefined ? { totalSize: formatBytes(totalSize) } : {}),
      snapshotCount,
      snapshotsRemovedOnLastCleanup: removed,
      lastBackupTime: input.session.metadata.creationTimestamp,
    }),
  );
}

/** Repository gauges to the Pushgateway; without one there is nothing to send, which is no failure. */
async function sendRepositoryMetrics(
  ctx: StepContext,
  { invoker, log }: ActionInput,
  repository: ObjectOf<'Repository'>,
  removed: number,
): Promise<ActionOutcome<undefined>> {
  const reason = SR.SuccessfullyPushedRepositoryMetrics;
  if (!ctx.pushgatewayUrl) {
    return {
      value: undefined,
      report: succeeded(reason, 'No Pushgateway is configured; repository metrics were not pushed.'),
    };
  }
  try {
    const info = backupConfigurationInvoker(invoker);
    await pushMetrics(repositoryMetrics(repository, info, { removed }), {
      url: ctx.pushgatewayUrl,
      job: metricsJobName(info),
      logger: log,
    });
    return { value: undefined, report: succeeded(reason, 'Successfully pushed repository metrics.') };
  } catch (e) {
    return {
      value: undefined,
      report: failedBecause(SR.FailedToPushRepositoryMetrics, 'Failed to push repository metrics', e),
    };
  }
}
