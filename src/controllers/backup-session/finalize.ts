/**
 * The end of a BackupSession: history cleanup by backupHistoryLimit (§3.8), then the session
 * metrics, which make the phase final.
 */
import type { Condition, ObjectOf } from '../../api/index.ts';
import { namespaceOf } from '../../api/well-known.ts';
import {
  BackupSessionCondition as SC,
  BackupSessionReason as SR,
  getCondition,
  isConditionTrue,
} from '../../core/conditions.ts';
import { historyToDelete, sortNewestFirst } from '../../core/schedule-skip.ts';
import { targetRefOf } from '../../core/target-ref.ts';
import { errorMessage } from '../../errors.ts';
import { done, type ControllerContext, type ReconcileResult } from '../context.ts';
import { completeSession } from '../metrics-pushed.ts';
import { setSessionCondition } from '../session-status.ts';
import { invokerSessions } from './job.ts';

type Session = ObjectOf<'BackupSession'>;
type Bc = ObjectOf<'BackupConfiguration'>;

export async function finalize(ctx: ControllerContext, session: Session, bc: Bc): Promise<ReconcileResult> {
  if (!getCondition(session.status?.conditions, SC.BackupHistoryCleaned))
    await cleanupHistory(ctx, session, bc);
  const fresh =
    (await ctx.store.get('BackupSession', namespaceOf(session), session.metadata.name ?? '')) ?? session;
  const ref = targetRefOf(bc);
  const appBinding =
    ref.kind === 'AppBinding' && ref.name
      ? await ctx.store.get('AppBinding', ref.namespace, ref.name)
      : undefined;
  await completeSession(ctx, fresh, () =>
    ctx.metrics.backupSessionCompleted({ session: fresh, invoker: bc, appBinding }),
  );
  return done;
}

/** Deletes the sessions backupHistoryLimit no longer keeps; BackupHistoryCleaned says how it went. */
export async function cleanupHistory(ctx: ControllerContext, session: Session, bc: Bc): Promise<void> {
  let cleaned: Condition;
  try {
    // A skipped session is not a completed backup: it must not displace the last real one.
    const completing = isConditionTrue(session.status?.conditions, SC.BackupSkipped)
      ? undefined
      : session.metadata.name;
    const newestFirst = sortNewestFirst(await invokerSessions(ctx, bc));
    for (const old of historyToDelete(newestFirst, bc.spec.backupHistoryLimit, completing)) {
      if (old.metadata.name !== session.metadata.name)
        await ctx.store.delete('BackupSession', namespaceOf(session), old.metadata.name ?? '');
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
