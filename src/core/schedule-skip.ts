/**
 * Pure scheduling decisions of the BackupSession controller: skipping (stash-spec §3.7), history
 * cleanup (§3.8) and retry timing (§3.9).
 */
import type { BackupInvokerPhase, BackupSession, BackupSessionPhase, RetryConfig } from '../api/index.ts';
import { isFinalPhase } from './final-phases.ts';
import { parseGoDuration } from './format.ts';

export interface SkipDecision {
  skip: boolean;
  message?: string;
}

/**
 * Skip when the invoker is not Ready, or when this session has not started yet (phase empty or
 * Pending) while another session of the same invoker is Running. `otherSessions` are the sessions
 * selected by the invoker labels; this session itself is ignored if present.
 */
export function shouldSkip(
  session: BackupSession,
  invokerPhase: BackupInvokerPhase | undefined,
  otherSessions: readonly BackupSession[],
): SkipDecision {
  const inv = session.spec.invoker;
  if (invokerPhase !== 'Ready') {
    return {
      skip: true,
      message: `Skipped taking new backup. Reason: ${inv.kind} ${session.metadata.namespace ?? ''}/${inv.name} is not ready.`,
    };
  }
  const phase = session.status?.phase;
  if (phase === undefined || phase === 'Pending') {
    const running = otherSessions.find(
      (s) => s.metadata.name !== session.metadata.name && s.status?.phase === 'Running',
    );
    if (running) {
      return {
        skip: true,
        message: `Skipped taking new backup. Reason: Previous BackupSession: ${running.metadata.name ?? ''} is "Running".`,
      };
    }
  }
  return { skip: false };
}

/** The fields history cleanup reads. */
export interface SessionLike {
  metadata: { name?: string | undefined };
  status?: { phase?: BackupSessionPhase | undefined } | undefined;
}

/**
 * Sessions to delete for `backupHistoryLimit` (given newest first; returned in the same order). The
 * newest `limit` are kept; of the rest, sessions in a final phase are deleted — except the most
 * recent Succeeded-or-Failed session of all, which survives unless limit ≤ 0. `completing` names
 * the session being finished right now: it counts as completed even though its phase is not
 * written yet (else the session before it would survive as "the last completed" one).
 */
export function historyToDelete<S extends SessionLike>(
  sessionsNewestFirst: readonly S[],
  limit: number,
  completing?: string,
): S[] {
  const keep = Math.max(0, limit);
  const completed = (s: S) =>
    s.metadata.name === completing || s.status?.phase === 'Succeeded' || s.status?.phase === 'Failed';
  const lastCompleted = limit > 0 ? sessionsNewestFirst.find(completed) : undefined;
  return sessionsNewestFirst
    .slice(keep)
    .filter(
      (s) =>
        s.metadata.name !== completing &&
        isFinalPhase('BackupSession', s.status?.phase) &&
        s !== lastCompleted,
    );
}

/** Sorts newest first by creationTimestamp, then by name descending (ties). */
export function sortNewestFirst<
  S extends SessionLike & { metadata: { creationTimestamp?: string | undefined } },
>(sessions: readonly S[]): S[] {
  return [...sessions].sort((a, b) => {
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    return (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
  });
}

/**
 * When a failed session should be retried, or null if it should not. A session already carrying
 * status.nextRetry keeps that time; otherwise now + retryConfig.delay (no delay = now).
 */
export function nextRetryAt(
  session: BackupSession,
  retryConfig: RetryConfig | undefined,
  now: Date,
): Date | null {
  if (retryConfig === undefined) return null;
  if (session.status?.phase !== 'Failed') return null;
  if ((session.spec.retryLeft ?? 0) <= 0 || session.status.retried === true) return null;
  if (session.status.nextRetry) {
    const at = new Date(session.status.nextRetry);
    if (!Number.isNaN(at.getTime())) return at;
  }
  const delayNs = retryConfig.delay ? parseGoDuration(retryConfig.delay) : 0;
  return new Date(now.getTime() + Math.max(0, Math.round(delayNs / 1e6)));
}

/** retryLeft of the session created by a retry. */
export function retryLeftAfterRetry(session: BackupSession): number {
  return Math.max(0, (session.spec.retryLeft ?? 0) - 1);
}
