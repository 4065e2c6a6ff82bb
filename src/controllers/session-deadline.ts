/**
 * A session's deadline (spec.timeOut of its invoker, stash-spec §3.2/§3.11): counted from the
 * session's creation, written once as status.sessionDeadline; past it the Job is stopped and
 * DeadlineExceeded=True makes the session Failed once its metrics are pushed.
 */
import type { ObjectOf } from '../api/index.ts';
import { nameOf, namespaceOf } from '../api/well-known.ts';
import { BackupSessionCondition as C, BackupSessionReason as R } from '../core/conditions.ts';
import type { SessionKind } from '../core/final-phases.ts';
import { MILLISECOND, parseGoDuration } from '../core/format.ts';
import { backupJobName, restoreJobName } from '../core/naming.ts';
import { requeueAfter, type ControllerContext, type ReconcileResult } from './context.ts';
import { setSessionCondition } from './session-status.ts';

interface Session {
  metadata: { creationTimestamp?: string | undefined };
  status?: { sessionDeadline?: string | undefined } | undefined;
}

/** `{ sessionDeadline }` to merge into the status: the one set, or a new one when timeOut is set. */
export function sessionDeadline(session: Session, timeOut: string | undefined): { sessionDeadline?: string } {
  const set = session.status?.sessionDeadline;
  if (set) return { sessionDeadline: set };
  const created = session.metadata.creationTimestamp;
  if (!timeOut || !created) return {};
  const timeOutMs = parseGoDuration(timeOut) / MILLISECOND;
  return { sessionDeadline: new Date(Date.parse(created) + timeOutMs).toISOString() };
}

export function deadlinePassed(session: Session, now: Date): boolean {
  const deadline = session.status?.sessionDeadline;
  return deadline !== undefined && now.getTime() > Date.parse(deadline);
}

function sessionJobName(kind: SessionKind, sessionName: string): string {
  return kind === 'BackupSession' ? backupJobName(sessionName, 0) : restoreJobName(sessionName, 0);
}

export async function stopAtDeadline<K extends SessionKind>(
  ctx: ControllerContext,
  session: ObjectOf<K>,
  timeOut: string | undefined,
): Promise<ReconcileResult> {
  const kind = session.kind as K;
  ctx.logger.info(
    { [kind]: `${namespaceOf(session)}/${nameOf(session)}` },
    'deadline exceeded; stopping the job',
  );
  await ctx.executor.delete(namespaceOf(session), sessionJobName(kind, nameOf(session)));
  await setSessionCondition(ctx, session, {
    type: C.DeadlineExceeded,
    status: 'True',
    reason: R.FailedToCompleteWithinDeadline,
    message: `Failed to complete ${kind === 'BackupSession' ? 'backup' : 'restore'} within ${timeOut ?? 'the deadline'}.`,
  });
  return requeueAfter(0);
}
