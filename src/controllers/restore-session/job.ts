/**
 * The RestoreSession's Job: its preconditions (Repository, Secret, usage policy, target), the Job
 * itself, and what a Job that ended without reporting means.
 */
import { updateSessionStatus } from '../session-status.ts';
import type { Condition, ObjectOf } from '../../api/index.ts';
import {
  LABEL_APP_INSTANCE,
  LABEL_APP_NAME,
  LABEL_MANAGED_BY,
  MANAGED_BY_KUBEDB,
  nameOf,
  namespaceOf,
} from '../../api/well-known.ts';
import {
  attemptCondition,
  RestoreSessionCondition as C,
  RestoreSessionReason as R,
  setCondition,
} from '../../core/conditions.ts';
import { DEFAULT_HOST } from '../../core/hostname.ts';
import { restoreJobName } from '../../core/naming.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { checkRepositoryAccess } from '../repository-access.ts';
import { resolveJobSteps } from '../resolve-steps.ts';
import { sessionDeadline } from '../session-deadline.ts';
import { setSessionCondition } from '../session-status.ts';
import { invokerJobSettings, repositoryRef } from '../store.ts';

const POLL_MS = 1_000;
const MISSING_REQUEUE_MS = 5_000;
/** KubeDB waits for restores through these labels (spec.init.waitForInitialRestore). */
const KUBEDB_LABELS = [LABEL_APP_NAME, LABEL_APP_INSTANCE, LABEL_MANAGED_BY];

type Rs = ObjectOf<'RestoreSession'>;

export function appBindingOf(ctx: ControllerContext, rs: Rs): Promise<ObjectOf<'AppBinding'> | undefined> {
  const ref = rs.spec.target?.ref;
  return ref?.name
    ? ctx.store.get('AppBinding', ref.namespace || namespaceOf(rs), ref.name)
    : Promise.resolve(undefined);
}

/**
 * Checks the preconditions and starts the Job. 'failed': the Job could not be made, the session is
 * to be finalized now.
 */
export async function startRestore(ctx: ControllerContext, rs: Rs): Promise<ReconcileResult | 'failed'> {
  const access = await checkRepositoryAccess(ctx, namespaceOf(rs), rs.spec.repository ?? { name: '' });
  await setSessionCondition(ctx, rs, ...access.conditions);
  if (access.refused) return done;
  if (access.missing || !access.repository) return requeueAfter(MISSING_REQUEUE_MS);
  const appBinding = await appBindingOf(ctx, rs);
  await setSessionCondition(ctx, rs, targetFound(rs, appBinding !== undefined));
  if (!appBinding) return requeueAfter(MISSING_REQUEUE_MS);
  const labelled = await copyKubeDbLabels(ctx, rs, appBinding);
  const ensured = await ensureJob(ctx, labelled, access.repository);
  await updateSessionStatus(
    ctx.store,
    'RestoreSession',
    namespaceOf(rs),
    nameOf(rs),
    ctx.now,
    (s, current) => ({
      ...s,
      totalHosts: 1,
      conditions: setCondition(s.conditions ?? [], ensured, ctx.now()),
      ...sessionDeadline(current, rs.spec.timeOut),
    }),
  );
  return ensured.status === 'True' ? requeueAfter(POLL_MS) : 'failed';
}

function targetFound(rs: Rs, found: boolean): Condition {
  const ref = rs.spec.target?.ref;
  const subject = `${ref?.kind ?? 'AppBinding'} ${ref?.namespace || namespaceOf(rs)}/${ref?.name ?? ''}`;
  return found
    ? {
        type: C.RestoreTargetFound,
        status: 'True',
        reason: R.TargetAvailable,
        message: `Restore target ${subject} found.`,
      }
    : {
        type: C.RestoreTargetFound,
        status: 'False',
        reason: R.TargetNotAvailable,
        message: `Restore target ${subject} does not exist.`,
      };
}

async function ensureJob(
  ctx: ControllerContext,
  rs: Rs,
  repository: ObjectOf<'Repository'>,
): Promise<Condition> {
  const name = nameOf(rs);
  const namespace = namespaceOf(rs);
  const reasons = {
    succeeded: R.SuccessfullyEnsuredRestoreExecutor,
    failed: R.FailedToEnsureRestoreExecutor,
  };
  return attemptCondition(C.RestoreExecutorEnsured, reasons, async () => {
    const steps = await resolveJobSteps(ctx, {
      mode: 'restore',
      invoker: rs,
      invokerNamespace: namespace,
      repository,
      sessionName: name,
    });
    await ctx.executor.ensure({
      name: restoreJobName(name, 0),
      namespace,
      owner: { kind: 'RestoreSession', name, ...(rs.metadata.uid ? { uid: rs.metadata.uid } : {}) },
      steps,
      interimVolume: rs.spec.interimVolumeTemplate !== undefined,
      repository: repositoryRef(repository),
      ...invokerJobSettings(rs.spec),
    });
    return `Restore job ${restoreJobName(name, 0)} has been created.`;
  });
}

/** The Job's last step reports the host; a Job that ended (or vanished) without it failed the restore. */
export async function watchRestoreJob(ctx: ControllerContext, rs: Rs): Promise<ReconcileResult> {
  const namespace = namespaceOf(rs);
  const name = nameOf(rs);
  const job = await ctx.executor.state(namespace, restoreJobName(name, 0));
  if (job && job.phase !== 'Failed' && job.phase !== 'Succeeded') return requeueAfter(POLL_MS);
  const fresh = await ctx.store.get('RestoreSession', namespace, name);
  if ((fresh?.status?.stats?.length ?? 0) === 0) {
    const error = !job
      ? 'The restore job no longer exists.'
      : job.phase === 'Failed'
        ? `Restore job failed: ${job.reason ?? 'unknown reason'}`
        : 'Restore job completed without reporting the restore result.';
    await updateSessionStatus(ctx.store, 'RestoreSession', namespace, name, ctx.now, (s) => ({
      ...s,
      stats: [{ hostname: DEFAULT_HOST, phase: 'Failed', error }],
    }));
  }
  return requeueAfter(0);
}

async function copyKubeDbLabels(
  ctx: ControllerContext,
  rs: Rs,
  appBinding: ObjectOf<'AppBinding'>,
): Promise<Rs> {
  const labels = appBinding.metadata.labels ?? {};
  if (labels[LABEL_MANAGED_BY] !== MANAGED_BY_KUBEDB) return rs;
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
