/**
 * RestoreSession (stash-spec §3.11): check Repository, Secret, usage policy and target, copy the
 * KubeDB labels, start the restore Job, and once the host has reported (or the Job ended without a
 * report, or the deadline passed) push the metrics so the phase becomes final.
 */
import type { Condition, ObjectOf } from '../../api/index.ts';
import { getCondition, setCondition } from '../../core/conditions.ts';
import { RestoreSessionCondition as C, RestoreSessionReason as R } from '../../core/conditions.ts';
import { MILLISECOND, parseGoDuration } from '../../core/format.ts';
import { restoreJobName } from '../../core/naming.ts';
import { errorMessage } from '../../errors.ts';
import { pushSessionMetrics } from '../metrics-pushed.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { checkUsagePolicy, needsNamespaceLabels } from '../repository/usage-policy.ts';
import { resolveJobSteps } from '../resolve-steps.ts';
import { invokerJobSettings, repositoryRef } from '../store.ts';
import { isRestoreFinal, updateRestoreSessionStatus } from './status.ts';
import { namespaceOf } from '../../api/well-known.ts';

const POLL_MS = 1_000;
const MISSING_REQUEUE_MS = 5_000;
type Rs = ObjectOf<'RestoreSession'>;
const KUBEDB_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
];

export async function reconcileRestoreSession(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  let rs = await ctx.store.get('RestoreSession', namespace, name);
  if (!rs) return done;
  const status = rs.status ?? {};
  if (isRestoreFinal(status.phase)) return done;
  const now = ctx.now();
  const set = (c: Condition) => setConditionOn(ctx, rs!, c);

  const hostsReported = (status.stats?.length ?? 0) >= (status.totalHosts ?? Infinity);
  if (hostsReported || getCondition(status.conditions ?? [], C.DeadlineExceeded)?.status === 'True')
    return finalize(ctx, rs);

  if (status.sessionDeadline && now.getTime() > Date.parse(status.sessionDeadline)) {
    await ctx.executor.delete(namespace, restoreJobName(name, 0));
    await set({
      type: C.DeadlineExceeded,
      status: 'True',
      reason: R.FailedToCompleteWithinDeadline,
      message: `Failed to complete restore within ${rs.spec.timeOut ?? 'the deadline'}.`,
    });
    return requeueAfter(0);
  }

  // Preconditions, re-checked until the job exists.
  if (!getCondition(status.conditions ?? [], C.RestoreExecutorEnsured)) {
    const repoRef = rs.spec.repository!;
    const repoNs = repoRef.namespace ?? namespace;
    const repo = await ctx.store.get('Repository', repoNs, repoRef.name);
    if (!repo) {
      await set({
        type: C.RepositoryFound,
        status: 'False',
        reason: R.RepositoryNotAvailable,
        message: `Repository ${repoNs}/${repoRef.name} does not exist.`,
      });
      return requeueAfter(MISSING_REQUEUE_MS);
    }
    await set({
      type: C.RepositoryFound,
      status: 'True',
      reason: R.RepositoryAvailable,
      message: `Repository ${repoNs}/${repoRef.name} exist.`,
    });
    const secretName = repo.spec.backend.storageSecretName;
    if (!secretName || !(await ctx.store.get('Secret', repoNs, secretName))) {
      await set({
        type: C.BackendSecretFound,
        status: 'False',
        reason: R.BackendSecretNotAvailable,
        message: `Backend Secret ${repoNs}/${secretName ?? '<unset>'} does not exist.`,
      });
      return requeueAfter(MISSING_REQUEUE_MS);
    }
    await set({
      type: C.BackendSecretFound,
      status: 'True',
      reason: R.BackendSecretAvailable,
      message: `Backend Secret ${repoNs}/${secretName} exist.`,
    });
    const refusal = checkUsagePolicy(
      repo,
      namespace,
      needsNamespaceLabels(repo, namespace) ? await ctx.store.namespaceLabels(namespace) : undefined,
    );
    if (refusal) {
      await set({
        type: C.ValidationPassed,
        status: 'False',
        reason: R.ResourceValidationFailed,
        message: refusal,
      });
      return done;
    }
    await set({
      type: C.ValidationPassed,
      status: 'True',
      reason: R.ResourceValidationPassed,
      message: 'Successfully validated.',
    });

    const ref = rs.spec.target?.ref;
    const appBinding = ref?.name
      ? await ctx.store.get('AppBinding', ref.namespace ?? namespace, ref.name)
      : undefined;
    if (!appBinding) {
      await set({
        type: C.RestoreTargetFound,
        status: 'False',
        reason: R.TargetNotAvailable,
        message: `Restore target ${ref?.kind ?? 'AppBinding'} ${ref?.namespace ?? namespace}/${ref?.name ?? ''} does not exist.`,
      });
      return requeueAfter(MISSING_REQUEUE_MS);
    }
    await set({
      type: C.RestoreTargetFound,
      status: 'True',
      reason: R.TargetAvailable,
      message: `Restore target ${ref?.kind} ${ref?.namespace ?? namespace}/${ref?.name} found.`,
    });
    rs = await copyKubeDbLabels(ctx, rs, appBinding);

    let ensured: Condition;
    try {
      const steps = await resolveJobSteps(ctx, {
        mode: 'restore',
        invoker: rs,
        invokerNamespace: namespace,
        repository: repo,
        sessionName: name,
      });
      await ctx.executor.ensure({
        name: restoreJobName(name, 0),
        namespace,
        owner: { kind: 'RestoreSession', name, ...(rs.metadata.uid ? { uid: rs.metadata.uid } : {}) },
        steps,
        interimVolume: rs.spec.interimVolumeTemplate !== undefined,
        repository: repositoryRef(repo),
        ...invokerJobSettings(rs.spec),
      });
      ensured = {
        type: C.RestoreExecutorEnsured,
        status: 'True',
        reason: R.SuccessfullyEnsuredRestoreExecutor,
        message: `Restore job ${restoreJobName(name, 0)} has been created.`,
      };
    } catch (e) {
      ensured = {
        type: C.RestoreExecutorEnsured,
        status: 'False',
        reason: R.FailedToEnsureRestoreExecutor,
        message: errorMessage(e),
      };
    }
    const timeOutMs = rs.spec.timeOut ? parseGoDuration(rs.spec.timeOut) / MILLISECOND : undefined;
    await updateRestoreSessionStatus(ctx.store, namespace, name, ctx.now, (s, cur) => ({
      ...s,
      totalHosts: 1,
      conditions: setCondition(s.conditions ?? [], ensured, ctx.now()),
      ...(timeOutMs !== undefined && !s.sessionDeadline && cur.metadata.creationTimestamp
        ? { sessionDeadline: new Date(Date.parse(cur.metadata.creationTimestamp) + timeOutMs).toISOString() }
        : {}),
    }));
    return ensured.status === 'True'
      ? requeueAfter(POLL_MS)
      : finalize(ctx, (await ctx.store.get('RestoreSession', namespace, name))!);
  }

  const job = await ctx.executor.state(namespace, restoreJobName(name, 0));
  if (!job || job.phase === 'Failed' || job.phase === 'Succeeded') {
    const fresh = await ctx.store.get('RestoreSession', namespace, name);
    if ((fresh?.status?.stats?.length ?? 0) === 0) {
      const error = !job
        ? 'The restore job no longer exists.'
        : job.phase === 'Failed'
          ? `Restore job failed: ${job.reason ?? 'unknown reason'}`
          : 'Restore job completed without reporting the restore result.';
      await updateRestoreSessionStatus(ctx.store, namespace, name, ctx.now, (s) => ({
        ...s,
        stats: [{ hostname: 'host-0', phase: 'Failed', error }],
      }));
    }
    return requeueAfter(0);
  }
  return requeueAfter(POLL_MS);
}

async function finalize(ctx: ControllerContext, rs: Rs): Promise<ReconcileResult> {
  if (getCondition(rs.status?.conditions ?? [], C.MetricsPushed)) return done;
  const ns = namespaceOf(rs);
  const ref = rs.spec.target?.ref;
  const appBinding = ref?.name ? await ctx.store.get('AppBinding', ref.namespace ?? ns, ref.name) : undefined;
  const pushed = await pushSessionMetrics(ctx.metrics.enabled, () =>
    ctx.metrics.restoreSessionCompleted({ session: rs, appBinding }),
  );
  const final = await setConditionOn(ctx, rs, pushed);
  await ctx.store.recordEvent({
    involvedObject: { kind: 'RestoreSession', namespace: ns, name: rs.metadata.name ?? '' },
    type: final.status?.phase === 'Succeeded' ? 'Normal' : 'Warning',
    reason: `RestoreSession${final.status?.phase ?? ''}`,
    message: `RestoreSession ${final.status?.phase ?? ''} after ${final.status?.sessionDuration ?? '?'}`,
    source: 'RestoreSession Controller',
  });
  return done;
}

/** KubeDB waits for restores through these labels (spec.init.waitForInitialRestore). */
async function copyKubeDbLabels(
  ctx: ControllerContext,
  rs: Rs,
  appBinding: ObjectOf<'AppBinding'>,
): Promise<Rs> {
  const labels = appBinding.metadata.labels ?? {};
  if (labels['app.kubernetes.io/managed-by'] !== 'kubedb.com') return rs;
  const want = Object.fromEntries(
    KUBEDB_LABELS.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]!]),
  );
  const have = rs.metadata.labels ?? {};
  if (Object.entries(want).every(([k, v]) => have[k] === v)) return rs;
  return ctx.store.update<'RestoreSession'>({
    ...rs,
    metadata: { ...rs.metadata, labels: { ...have, ...want } },
  });
}

function setConditionOn(ctx: ControllerContext, rs: Rs, condition: Condition): Promise<Rs> {
  return updateRestoreSessionStatus(ctx.store, namespaceOf(rs), rs.metadata.name ?? '', ctx.now, (s) => ({
    ...s,
    conditions: setCondition(s.conditions ?? [], condition, ctx.now()),
  }));
}
