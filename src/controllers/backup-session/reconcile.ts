/**
 * BackupSession (stash-spec §3.2): skip when the invoker is not ready or another session runs,
 * start one Job for the target, watch it, and when the target has reported (or the Job ended
 * without reporting, or the deadline passed) clean up history and push the session metrics —
 * only then does the phase become final. Level-triggered: every step is re-derived from status.
 */
import type {
  BackupSessionStatus,
  BackupTargetStatus,
  Condition,
  ObjectOf,
  TargetRef,
} from '../../api/index.ts';
import { getCondition, setCondition } from '../../core/conditions.ts';
import {
  BackupSessionCondition as SC,
  BackupSessionReason as SR,
  BackupTargetCondition as TC,
  BackupTargetReason as TR,
} from '../../core/conditions.ts';
import { MILLISECOND, parseGoDuration } from '../../core/format.ts';
import { backupJobName } from '../../core/naming.ts';
import { historyToDelete } from '../../core/schedule-skip.ts';
import { errorMessage } from '../../errors.ts';
import { pushSessionMetrics } from '../metrics-pushed.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { buildBackupJob } from './build-job.ts';
import { LABEL_INVOKER_NAME, LABEL_INVOKER_TYPE } from '../../api/well-known.ts';
import { createBackupSession } from './create.ts';
import { isFinal, updateBackupSessionStatus } from './status.ts';
import { DEFAULT_NAMESPACE, namespaceOf } from '../../api/well-known.ts';

const POLL_MS = 1_000;
const MISSING_INVOKER_REQUEUE_MS = 10_000;

type Session = ObjectOf<'BackupSession'>;
type Bc = ObjectOf<'BackupConfiguration'>;

export function targetRefOf(bc: Bc): TargetRef {
  const ref = bc.spec.target?.ref ?? {};
  return {
    apiVersion: ref.apiVersion ?? 'appcatalog.appscode.com/v1alpha1',
    kind: ref.kind ?? 'AppBinding',
    name: ref.name ?? '',
    namespace: ref.namespace ?? namespaceOf(bc),
  };
}

const sameRef = (a: TargetRef, b: TargetRef) =>
  a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;

function targetOf(status: BackupSessionStatus, ref: TargetRef): BackupTargetStatus | undefined {
  return status.targets?.find((t) => sameRef(t.ref, ref));
}

export async function reconcileBackupSession(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const session = await ctx.store.get('BackupSession', namespace, name);
  if (!session) return done;
  const log = ctx.logger.child({ backupSession: `${namespace}/${name}` });
  const bc = await ctx.store.get('BackupConfiguration', namespace, session.spec.invoker.name);
  const status = session.status ?? {};

  if (isFinal(status.phase)) return bc ? retryIfDue(ctx, session, bc) : done;
  if (!bc) {
    log.warn('invoker not found; waiting for it');
    await event(
      ctx,
      session,
      'Warning',
      'InvokerNotFound',
      `BackupConfiguration ${namespace}/${session.spec.invoker.name} not found`,
    );
    return requeueAfter(MISSING_INVOKER_REQUEUE_MS);
  }
  const ref = targetRefOf(bc);
  const target = targetOf(status, ref);

  if (
    isTrue(status.conditions, SC.DeadlineExceeded) ||
    target?.phase === 'Succeeded' ||
    target?.phase === 'Failed'
  ) {
    return finalize(ctx, session, bc);
  }

  const now = ctx.now();
  if (status.sessionDeadline && now.getTime() > Date.parse(status.sessionDeadline)) {
    log.info('deadline exceeded; stopping the job');
    await ctx.executor.delete(namespace, backupJobName(name, 0));
    await setSessionCondition(ctx, session, {
      type: SC.DeadlineExceeded,
      status: 'True',
      reason: SR.FailedToCompleteWithinDeadline,
      message: `Failed to complete backup within ${bc.spec.timeOut ?? 'the deadline'}.`,
    });
    return requeueAfter(0);
  }

  if (!target) {
    const skip = await skipReason(ctx, session, bc);
    if (skip) {
      log.info({ reason: skip }, 'skipping backup');
      await setSessionCondition(ctx, session, {
        type: SC.BackupSkipped,
        status: 'True',
        reason: SR.SkippedTakingNewBackup,
        message: skip,
      });
      await cleanupHistory(ctx, session, bc);
      await event(ctx, session, 'Warning', 'BackupSkipped', skip);
      return done;
    }
    return startJob(ctx, session, bc, ref);
  }

  return watchJob(ctx, session, bc, ref);
}

async function skipReason(ctx: ControllerContext, session: Session, bc: Bc): Promise<string | undefined> {
  const ns = namespaceOf(session);
  if (bc.status?.phase !== 'Ready') return `BackupConfiguration ${ns}/${bc.metadata.name} is not ready.`;
  const siblings = await ctx.store.list('BackupSession', {
    namespace: ns,
    labels: { [LABEL_INVOKER_TYPE]: 'BackupConfiguration', [LABEL_INVOKER_NAME]: bc.metadata.name ?? '' },
  });
  const running = siblings.find(
    (s) => s.metadata.name !== session.metadata.name && s.status?.phase === 'Running',
  );
  return running ? `Previous BackupSession: ${running.metadata.name} is "Running"` : undefined;
}

async function startJob(
  ctx: ControllerContext,
  session: Session,
  bc: Bc,
  ref: TargetRef,
): Promise<ReconcileResult> {
  const ns = namespaceOf(session);
  const name = session.metadata.name ?? '';
  let ensured: Condition;
  try {
    const job = await buildBackupJob(ctx, session, bc);
    await ctx.executor.ensure(job);
    ensured = {
      type: TC.BackupExecutorEnsured,
      status: 'True',
      reason: TR.SuccessfullyEnsuredBackupExecutor,
      message: `Backup job ${job.name} has been created.`,
    };
    await event(ctx, session, 'Normal', 'BackupJobCreated', `Created backup job ${job.name}`);
  } catch (e) {
    ensured = {
      type: TC.BackupExecutorEnsured,
      status: 'False',
      reason: TR.FailedToEnsureBackupExecutor,
      message: errorMessage(e),
    };
    await event(ctx, session, 'Warning', 'BackupExecutorFailed', errorMessage(e));
  }
  const now = ctx.now();
  const timeOutMs = bc.spec.timeOut ? parseGoDuration(bc.spec.timeOut) / MILLISECOND : undefined;
  await updateBackupSessionStatus(ctx.store, ns, name, ctx.now, (status, current) => {
    const targets = (status.targets ?? []).filter((t) => !sameRef(t.ref, ref));
    targets.push({
      ref,
      totalHosts: 1,
      conditions: setCondition([], ensured, now),
      preBackupActions: ['InitializeBackendRepository'],
      postBackupActions: ['ApplyRetentionPolicy', 'VerifyRepositoryIntegrity', 'SendRepositoryMetrics'],
    });
    const deadline =
      timeOutMs !== undefined && !status.sessionDeadline && current.metadata.creationTimestamp
        ? new Date(Date.parse(current.metadata.creationTimestamp) + timeOutMs).toISOString()
        : status.sessionDeadline;
    return { ...status, targets, ...(deadline ? { sessionDeadline: deadline } : {}) };
  });
  return requeueAfter(POLL_MS);
}

async function watchJob(
  ctx: ControllerContext,
  session: Session,
  _bc: Bc,
  ref: TargetRef,
): Promise<ReconcileResult> {
  const ns = namespaceOf(session);
  const name = session.metadata.name ?? '';
  const job = await ctx.executor.state(ns, backupJobName(name, 0));
  if (job && (job.phase === 'Failed' || job.phase === 'Succeeded')) {
    // The job's last step reports the target; a job that ended without that report was disrupted.
    const fresh = await ctx.store.get('BackupSession', ns, name);
    const target = fresh?.status ? targetOf(fresh.status, ref) : undefined;
    if (target && target.phase !== 'Succeeded' && target.phase !== 'Failed') {
      const message =
        job.phase === 'Failed'
          ? `Backup job failed: ${job.reason ?? 'unknown reason'}`
          : 'Backup job completed without reporting the backup result.';
      await markDisrupted(ctx, session, ref, message);
      await event(ctx, session, 'Warning', 'BackupDisrupted', message);
    }
    return requeueAfter(0);
  }
  if (!job) {
    // The executor lost the job (state reset): nothing will report; fail truthfully.
    await markDisrupted(ctx, session, ref, 'The backup job no longer exists.');
    return requeueAfter(0);
  }
  return requeueAfter(POLL_MS);
}

/** BackupDisrupted=True on the target: its phase becomes Failed, and so will the session's. */
function markDisrupted(
  ctx: ControllerContext,
  session: Session,
  ref: TargetRef,
  message: string,
): Promise<Session> {
  const condition = {
    type: TC.BackupDisrupted,
    status: 'True' as const,
    reason: TR.FailedToCompleteDueToDisruption,
    message,
  };
  return updateBackupSessionStatus(
    ctx.store,
    namespaceOf(session),
    session.metadata.name ?? '',
    ctx.now,
    (status) => ({
      ...status,
      targets: (status.targets ?? []).map((t) =>
        sameRef(t.ref, ref)
          ? { ...t, conditions: setCondition(t.conditions ?? [], condition, ctx.now()) }
          : t,
      ),
    }),
  );
}

async function finalize(ctx: ControllerContext, session: Session, bc: Bc): Promise<ReconcileResult> {
  const conditions = session.status?.conditions ?? [];
  if (!getCondition(conditions, SC.BackupHistoryCleaned)) await cleanupHistory(ctx, session, bc);
  if (!getCondition(conditions, SC.MetricsPushed)) {
    const fresh =
      (await ctx.store.get('BackupSession', namespaceOf(session), session.metadata.name ?? '')) ?? session;
    const appBinding = await targetAppBinding(ctx, bc);
    const pushed = await pushSessionMetrics(ctx.metrics.enabled, () =>
      ctx.metrics.backupSessionCompleted({ session: fresh, invoker: bc, appBinding }),
    );
    const final = await setSessionCondition(ctx, session, pushed);
    const phase = final.status?.phase;
    await event(
      ctx,
      session,
      phase === 'Succeeded' ? 'Normal' : 'Warning',
      `BackupSession${phase ?? ''}`,
      `BackupSession ${phase ?? ''} after ${final.status?.sessionDuration ?? '?'}`,
    );
  }
  return done;
}

async function cleanupHistory(ctx: ControllerContext, session: Session, bc: Bc): Promise<void> {
  const ns = namespaceOf(session);
  let cleaned: Condition;
  try {
    const sessions = await ctx.store.list('BackupSession', {
      namespace: ns,
      labels: { [LABEL_INVOKER_TYPE]: 'BackupConfiguration', [LABEL_INVOKER_NAME]: bc.metadata.name ?? '' },
    });
    const newestFirst = [...sessions].sort(
      (a, b) =>
        (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
        (b.metadata.name ?? '').localeCompare(a.metadata.name ?? ''),
    );
    // A skipped session is not a completed backup: it must not displace the last real one.
    const completing = isTrue(session.status?.conditions, SC.BackupSkipped)
      ? undefined
      : session.metadata.name;
    for (const old of historyToDelete(newestFirst, bc.spec.backupHistoryLimit, completing)) {
      if (old.metadata.name === session.metadata.name) continue;
      await ctx.store.delete('BackupSession', ns, old.metadata.name ?? '');
    }
    cleaned = {
      type: SC.BackupHistoryCleaned,
      status: 'True',
      reason: SR.SuccessfullyCleanedBackupHistory,
      message: 'Successfully cleaned up backup history according to backupHistoryLimit.',
    };
  } catch (e) {
    cleaned = {
      type: SC.BackupHistoryCleaned,
      status: 'False',
      reason: SR.FailedToCleanBackupHistory,
      message: `Failed to cleanup old BackupSessions. Reason: ${errorMessage(e)}`,
    };
  }
  await setSessionCondition(ctx, session, cleaned);
}

async function retryIfDue(ctx: ControllerContext, session: Session, bc: Bc): Promise<ReconcileResult> {
  const status = session.status ?? {};
  const retryLeft = session.spec.retryLeft ?? 0;
  if (status.phase !== 'Failed' || retryLeft <= 0 || status.retried) return done;
  const ns = namespaceOf(session);
  const name = session.metadata.name ?? '';
  const now = ctx.now();
  if (!status.nextRetry) {
    const delayMs = bc.spec.retryConfig?.delay ? parseGoDuration(bc.spec.retryConfig.delay) / MILLISECOND : 0;
    const nextRetry = new Date(now.getTime() + delayMs).toISOString();
    await ctx.store.updateStatus('BackupSession', ns, name, (cur) => ({ ...(cur.status ?? {}), nextRetry }));
    return requeueAfter(delayMs);
  }
  const dueIn = Date.parse(status.nextRetry) - now.getTime();
  if (dueIn > 0) return requeueAfter(dueIn);
  const retry = await createBackupSession(ctx.store, bc, {
    now,
    retryLeft: retryLeft - 1,
    generateName: true,
  });
  await ctx.store.updateStatus('BackupSession', ns, name, (cur) => ({
    ...(cur.status ?? {}),
    retried: true,
  }));
  await event(
    ctx,
    session,
    'Normal',
    'BackupRetried',
    `Retrying failed backup as BackupSession ${retry.metadata.name} (${retryLeft - 1} retries left after it)`,
  );
  return done;
}

async function targetAppBinding(ctx: ControllerContext, bc: Bc): Promise<ObjectOf<'AppBinding'> | undefined> {
  const ref = targetRefOf(bc);
  return ref.kind === 'AppBinding' && ref.name
    ? ctx.store.get('AppBinding', ref.namespace ?? DEFAULT_NAMESPACE, ref.name)
    : undefined;
}

function isTrue(conditions: Condition[] | undefined, type: string): boolean {
  return getCondition(conditions ?? [], type)?.status === 'True';
}

function setSessionCondition(
  ctx: ControllerContext,
  session: Session,
  condition: Condition,
): Promise<Session> {
  return updateBackupSessionStatus(
    ctx.store,
    namespaceOf(session),
    session.metadata.name ?? '',
    ctx.now,
    (status) => ({
      ...status,
      conditions: setCondition(status.conditions ?? [], condition, ctx.now()),
    }),
  );
}

async function event(
  ctx: ControllerContext,
  session: Session,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  await ctx.store.recordEvent({
    involvedObject: {
      kind: 'BackupSession',
      namespace: namespaceOf(session),
      name: session.metadata.name ?? '',
    },
    type,
    reason,
    message,
    source: 'BackupSession Controller',
  });
}
