/**
 * Every write of a BackupSession status goes through here, so the phase is recomputed from the
 * conditions and targets on each write (as Stash does) and sessionDuration is stamped once, when
 * the phase becomes final.
 */
import type { BackupSessionStatus, ObjectOf } from '../../api/index.ts';
import { formatGoDuration } from '../../core/format.ts';
import { backupSessionPhase } from '../../core/phases.ts';
import type { Store } from '../store.ts';

const FINAL = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown']);

export function withPhase(session: ObjectOf<'BackupSession'>, status: BackupSessionStatus, now: Date): BackupSessionStatus {
  const phase = backupSessionPhase(status);
  const next: BackupSessionStatus = { ...status, phase };
  if (FINAL.has(phase) && !status.sessionDuration && session.metadata.creationTimestamp) {
    const ms = now.getTime() - Date.parse(session.metadata.creationTimestamp);
    next.sessionDuration = formatGoDuration(Math.max(0, Math.round(ms / 1000)) * 1000);
  }
  return next;
}

export function updateBackupSessionStatus(
  store: Store,
  namespace: string,
  name: string,
  now: () => Date,
  mutate: (status: BackupSessionStatus, session: ObjectOf<'BackupSession'>) => BackupSessionStatus,
): Promise<ObjectOf<'BackupSession'>> {
  return store.updateStatus('BackupSession', namespace, name, (current) => {
    const status = mutate(structuredClone(current.status ?? {}), current);
    return withPhase(current, status, now());
  });
}

export function isFinal(phase: string | undefined): boolean {
  return phase !== undefined && FINAL.has(phase);
}
