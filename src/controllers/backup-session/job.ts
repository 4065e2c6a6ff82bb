/**
 * The BackupSession's Job: skip it when the rules say so, start it for the invoker's target, and
 * watch it until the target reports.
 */
import { updateSessionStatus } from '../session-status.ts';
import type { Condition, ObjectOf, TargetRef } from '../../api/index.ts';
import { LABEL_INVOKER_NAME, LABEL_INVOKER_TYPE, nameOf, namespaceOf } from '../../api/well-known.ts';
import {
  attemptCondition,
  BackupAction as A,
  BackupSessionCondition as SC,
  BackupSessionReason as SR,
  BackupTargetCondition as TC,
  BackupTargetReason as TR,
} from '../../core/conditions.ts';
import { backupJobName } from '../../core/naming.ts';
import { shouldSkip } from '../../core/schedule-skip.ts';
import { upsertBackupTargetStatus } from '../../core/status-merge.ts';
import { targetRefEquals, targetRefOf } from '../../core/target-ref.ts';
import { requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { recordEvent } from '../events.ts';
import { sessionDeadline } from '../session-deadline.ts';
import { setSessionCondition } from '../session-status.ts';
import { buildBackupJob } from './build-job.ts';

const POLL_MS = 1_000;

type Session = ObjectOf<'BackupSession'>;
type Bc = ObjectOf<'BackupConfiguration'>;

/** The sessions of one BackupConfiguration (its invoker labels). */
export function invokerSessions(ctx: ControllerContext, bc: Bc): Promise<Session[]> {
  return ctx.store.list('BackupSession', {
    namespace: namespaceOf(bc),
    labels: { [LABEL_INVOKER_TYPE]: 'BackupConfiguration', [LABEL_INVOKER_NAME]: nameOf(bc) },
  });
}

/** BackupSkipped=True when the invoker is not ready or another of its sessions runs (§3.7). */
export async function skipIfNeeded(ctx: ControllerContext, session: Session, bc: Bc): Promise<boolean> {
  const decision = shouldSkip(session, bc.status?.phase, await invokerSessions(ctx, bc));
  if (!decision.skip) return false;
  const message = decision.message ?? 'Skipped taking new backup.';
  ctx.logger.info(
    { backupSession: `${namespaceOf(session)}/${nameOf(session)}`, reason: message },
    'skipping backup',
  );
  await setSessionCondition(ctx, session, {
    type: SC.BackupSkipped,
    status: 'True',
    reason: SR.SkippedTakingNewBackup,
    message,
  });
  await recordEvent(ctx, session, 'Warning', 'BackupSkipped', message);
  return true;
}

/** Ensures the Job and records the target with BackupExecutorEnsured (False when it could not be made). */
export async function startJob(ctx: ControllerContext, session: Session, bc: Bc): Promise<ReconcileResult> {
  const ensured = await ensureJob(ctx, session, bc);
  const ref = targetRefOf(bc);
  const now = ctx.now();
  await updateSessionStatus(
    ctx.store,
    'BackupSession',
    namespaceOf(session),
    nameOf(session),
    ctx.now,
    (status, current) => {
      const target = {
        ref,
        totalHosts: 1,
        conditions: [ensured],
        preBackupActions: [A.InitializeBackendRepository],
        postBackupActions: [A.ApplyRetentionPolicy, A.VerifyRepositoryIntegrity, A.SendRepositoryMetrics],
      };
      const targets = upsertBackupTargetStatus(status.targets, target, now);
      return { ...status, targets, ...sessionDeadline(current, bc.spec.timeOut) };
    },
  );
  return requeueAfter(POLL_MS);
}

async function ensureJob(ctx: ControllerContext, session: Session, bc: Bc): Promise<Condition> {
  const reasons = {
    succeeded: TR.SuccessfullyEnsuredBackupExecutor,
    failed: TR.FailedToEnsureBackupExecutor,
  };
  const ensured = await attemptCondition(TC.BackupExecutorEnsured, reasons, async () => {
    const job = await buildBackupJob(ctx, session, bc);
    await ctx.executor.ensure(job);
    await recordEvent(ctx, session, 'Normal', 'BackupJobCreated', `Created backup job ${job.name}`);
    return `Backup job ${job.name} has been created.`;
  });
  if (ensured.status === 'False')
    await recordEvent(ctx, session, 'Warning', 'BackupExecutorFailed', ensured.message ?? '');
  return ensured;
}

/**
 * The Job's last step reports the target. A Job that ended without that report was disrupted, and
 * a Job the executor no longer knows (its state was reset) will never report: both fail truthfully.
 */
export async function watchJob(ctx: ControllerContext, session: Session, bc: Bc): Promise<ReconcileResult> {
  const job = await ctx.executor.state(namespaceOf(session), backupJobName(nameOf(session), 0));
  if (job && job.phase !== 'Failed' && job.phase !== 'Succeeded') return requeueAfter(POLL_MS);
  const ref = targetRefOf(bc);
  if (!job) {
    await markDisrupted(ctx, session, ref, 'The backup job no longer exists.');
    return requeueAfter(0);
  }
  const fresh = await ctx.store.get('BackupSession', namespaceOf(session), nameOf(session));
  const target = fresh?.status?.targets?.find((t) => targetRefEquals(t.ref, ref));
  if (target && target.phase !== 'Succeeded' && target.phase !== 'Failed') {
    const message =
      job.phase === 'Failed'
        ? `Backup job failed: ${job.reason ?? 'unknown reason'}`
        : 'Backup job completed without reporting the backup result.';
    await markDisrupted(ctx, session, ref, message);
    await recordEvent(ctx, session, 'Warning', 'BackupDisrupted', message);
  }
  return requeueAfter(0);
}

/** BackupDisrupted=True on the target: its phase becomes Failed, and so will the session's. */
function markDisrupted(
  ctx: ControllerContext,
  session: Session,
  ref: TargetRef,
  message: string,
): Promise<Session> {
  const condition: Condition = {
    type: TC.BackupDisrupted,
    status: 'True',
    reason: TR.FailedToCompleteDueToDisruption,
    message,
  };
  return updateSessionStatus(
    ctx.store,
    'BackupSession',
    namespaceOf(session),
    nameOf(session),
    ctx.now,
    (status) => ({
      ...status,
      targets: upsertBackupTargetStatus(status.targets, { ref, conditions: [condition] }, ctx.now()),
    }),
  );
}
