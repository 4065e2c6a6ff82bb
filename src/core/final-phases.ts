/**
 * When a session's phase is final: nothing will change it any more, so controllers stop working
 * on it, resyncs skip it and `--wait` returns. One answer for every caller.
 *
 * Skipped is final for a BackupSession (a skipped session never runs); Invalid is final for a
 * RestoreSession (its Repository refused it: the user creates a new RestoreSession once it is fixed).
 */
import type { BackupSessionPhase, RestoreSessionPhase } from '../api/index.ts';

const FINAL_BACKUP: ReadonlySet<string> = new Set<BackupSessionPhase>([
  'Succeeded',
  'Failed',
  'Skipped',
  'Unknown',
]);
const FINAL_RESTORE: ReadonlySet<string> = new Set<RestoreSessionPhase>([
  'Succeeded',
  'Failed',
  'Unknown',
  'Invalid',
]);

export type SessionKind = 'BackupSession' | 'RestoreSession';

export function isFinalPhase(kind: SessionKind, phase: string | undefined): boolean {
  return phase !== undefined && (kind === 'BackupSession' ? FINAL_BACKUP : FINAL_RESTORE).has(phase);
}
