/** A failed BackupSession is retried as a new session when its invoker's retryConfig allows (§3.9). */
import type { ObjectOf } from '../../api/index.ts';
import { nameOf, namespaceOf } from '../../api/well-known.ts';
import { nextRetryAt, retryLeftAfterRetry } from '../../core/schedule-skip.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { recordEvent } from '../events.ts';
import { createBackupSession } from './create.ts';

type Session = ObjectOf<'BackupSession'>;

export async function retryIfDue(
  ctx: ControllerContext,
  session: Session,
  bc: ObjectOf<'BackupConfiguration'>,
): Promise<ReconcileResult> {
  const now = ctx.now();
  const at = nextRetryAt(session, bc.spec.retryConfig, now);
  if (!at) return done;
  const ns = namespaceOf(session);
  if (!session.status?.nextRetry) {
    const nextRetry = at.toISOString();
    await ctx.store.updateStatus('BackupSession', ns, nameOf(session), (cur) => ({
      ...(cur.status ?? {}),
      nextRetry,
    }));
    return requeueAfter(Math.max(0, at.getTime() - now.getTime()));
  }
  const dueIn = at.getTime() - now.getTime();
  if (dueIn > 0) return requeueAfter(dueIn);
  const retryLeft = retryLeftAfterRetry(session);
  const retry = await createBackupSession(ctx.store, bc, { now, retryLeft, generateName: true });
  await ctx.store.updateStatus('BackupSession', ns, nameOf(session), (cur) => ({
    ...(cur.status ?? {}),
    retried: true,
  }));
  await recordEvent(
    ctx,
    session,
    'Normal',
    'BackupRetried',
    `Retrying failed backup as BackupSession ${retry.metadata.name} (${retryLeft} retries left after it)`,
  );
  return done;
}
