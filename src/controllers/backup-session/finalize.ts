/**
 * The end of a BackupSession: history cleanup by backupHistoryLimit (§3.8), then the session
 * metrics, which make the phase final.
 */
import type { ObjectOf } from '../../api/index.ts';
import { namespaceOf } from '../../api/well-known.ts';
import {
  attemptCondition,
  BackupSessionCondition as SC,
  BackupSessionReason as SR,
  getCondition,
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
    await cleanupHistory(ctx, session, bc, 'completed');
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

/**
 * Deletes the sessions backupHistoryLimit no longer keeps; BackupHistoryCleaned says how it went.
 * `outcome` says what this session is: a completed backup counts as the last completed one even
 * before its phase is written; a skipped session is no backup and must not displace the last real one.
 */
export async function cleanupHistory(
  ctx: ControllerContext,
  session: Session,
  bc: Bc,
  outcome: 'completed' | 'skipped',
): Promise<void> {
  const reasons = { succeeded: SR.SuccessfullyCleanedBackupHistory, failed: SR.FailedToCleanBackupHistory };
  const cleaned = await attemptCondition(
    SC.BackupHistoryCleaned,
    reasons,
    async () => {
      const completing = outcome === 'completed' ? session.metadata.name : undefined;
      const newestFirst = sortNewestFirst(await invokerSessions(ctx, bc));
      for (const old of historyToDelete(newestFirst, bc.spec.backupHistoryLimit, completing)) {
        if (old.metadata.name !== session.metadata.name)
          await ctx.store.delete('BackupSession', namespaceOf(session), old.metadata.name ?? '');
      }
      return 'Successfully cleaned up backup history according to backupHistoryLimit.';
    },
    (e) => `Failed to cleanup old BackupSessions. Reason: ${errorMessage(e)}`,
  );
  await setSessionCondition(ctx, session, cleaned);
}
