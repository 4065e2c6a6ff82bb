/**
 * Every write of a BackupSession status goes through here, so the phase is recomputed from the
 * conditions and targets on each write (as Stash does) and sessionDuration is stamped once, when
 * the phase becomes final.
 */
import type { BackupSessionStatus, ObjectOf } from '../../api/index.ts';
import { sessionDuration } from '../../core/format.ts';
import { backupSessionPhase, backupTargetPhase } from '../../core/backup-session-phase.ts';
import type { Store } from '../store.ts';

const FINAL = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown']);

export function withPhase(
  session: ObjectOf<'BackupSession'>,
  status: BackupSessionStatus,
  now: Date,
): BackupSessionStatus {
  const targets = status.targets?.map((t) => ({ ...t, phase: backupTargetPhase(t) }));
  const withTargets: BackupSessionStatus = targets ? { ...status, targets } : status;
  const phase = backupSessionPhase(withTargets);
  const next: BackupSessionStatus = { ...withTargets, phase };
  if (FINAL.has(phase) && !status.sessionDuration && session.metadata.creationTimestamp) {
    next.sessionDuration = sessionDuration(session.metadata.creationTimestamp, now);
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
