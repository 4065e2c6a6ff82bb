/**
 * Where a terminal error (src/errors.ts: one the work queue does not retry) is written. Invokers and
 * Repositories carry it as Reconciled=False until a reconcile succeeds; a session fails with it, so
 * that it ends (and says why) instead of staying Running. Each also gets a Warning event. Writing
 * the report may itself fail (the object is gone): that is logged, never thrown.
 */
import type { Condition } from '../api/index.ts';
import {
  BackupTargetCondition as TC,
  ReconcileCondition,
  RestoreSessionCondition as RC,
  setCondition,
} from '../core/conditions.ts';
import { DEFAULT_HOST } from '../core/hostname.ts';
import { upsertBackupTargetStatus } from '../core/status-merge.ts';
import { targetRefOf } from '../core/target-ref.ts';
import { errorMessage, type StowageError } from '../errors.ts';
import type { ControllerContext } from './context.ts';
import { recordEvent } from './events.ts';
import { updateSessionStatus } from './session-status.ts';

type ObjectRef = { kind: string; metadata: { namespace: string; name: string } };

const failed = (type: string, error: StowageError): Condition => ({
  type,
  status: 'False',
  reason: error.reason,
  message: error.message,
});

/** Conditions without Reconciled: what a successful reconcile writes. */
export function withoutReconcileFailure(conditions: readonly Condition[] | undefined): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== ReconcileCondition.Reconciled);
}

async function report(
  ctx: ControllerContext,
  obj: ObjectRef,
  error: StowageError,
  write: () => Promise<unknown>,
): Promise<void> {
  try {
    await write();
    await recordEvent(ctx, obj, 'Warning', error.reason, error.message);
  } catch (e) {
    const subject = `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
    ctx.logger.error(
      { object: subject, err: error.message, reportErr: errorMessage(e) },
      'could not report a failure',
    );
  }
}

/** BackupConfiguration and Repository: Reconciled=False. */
export function reportOnConditions(kind: 'BackupConfiguration' | 'Repository') {
  return (ctx: ControllerContext, namespace: string, name: string, error: StowageError) =>
    report(ctx, { kind, metadata: { namespace, name } }, error, () =>
      ctx.store.updateStatus(kind, namespace, name, (cur) => ({
        ...(cur.status ?? {}),
        conditions: setCondition(
          cur.status?.conditions,
          failed(ReconcileCondition.Reconciled, error),
          ctx.now(),
        ),
      })),
    );
}

/** A BackupSession: its target's executor could not be ensured, so the target and the session fail. */
export async function reportOnBackupSession(
  ctx: ControllerContext,
  namespace: string,
  name: string,
  error: StowageError,
): Promise<void> {
  const session = await ctx.store.get('BackupSession', namespace, name);
  const bc = session && (await ctx.store.get('BackupConfiguration', namespace, session.spec.invoker.name));
  const ref = bc ? targetRefOf(bc) : { apiVersion: '', kind: '', name: '', namespace };
  await report(ctx, { kind: 'BackupSession', metadata: { namespace, name } }, error, () =>
    updateSessionStatus(ctx.store, 'BackupSession', namespace, name, ctx.now, (s) => ({
      ...s,
      targets: upsertBackupTargetStatus(
        s.targets,
        { ref, totalHosts: 1, conditions: [failed(TC.BackupExecutorEnsured, error)] },
        ctx.now(),
      ),
    })),
  );
}

/** A RestoreSession: its host failed with the error, so the session fails. */
export function reportOnRestoreSession(
  ctx: ControllerContext,
  namespace: string,
  name: string,
  error: StowageError,
): Promise<void> {
  return report(ctx, { kind: 'RestoreSession', metadata: { namespace, name } }, error, () =>
    updateSessionStatus(ctx.store, 'RestoreSession', namespace, name, ctx.now, (s) => ({
      ...s,
      totalHosts: s.totalHosts ?? 1,
      conditions: setCondition(s.conditions, failed(RC.RestoreExecutorEnsured, error), ctx.now()),
      stats: [{ hostname: DEFAULT_HOST, phase: 'Failed', error: error.message }],
    })),
  );
}
