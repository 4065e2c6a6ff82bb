/** Every RestoreSession status write recomputes the phase and stamps sessionDuration once final. */
import type { ObjectOf, RestoreSessionStatus } from '../../api/index.ts';
import { sessionDuration } from '../../core/format.ts';
import { restoreSessionPhase } from '../../core/restore-session-phase.ts';
import type { Store } from '../store.ts';

const FINAL = new Set(['Succeeded', 'Failed', 'Unknown']);

export function isRestoreFinal(phase: string | undefined): boolean {
  return phase !== undefined && FINAL.has(phase);
}

export function updateRestoreSessionStatus(
  store: Store,
  namespace: string,
  name: string,
  now: () => Date,
  mutate: (status: RestoreSessionStatus, session: ObjectOf<'RestoreSession'>) => RestoreSessionStatus,
): Promise<ObjectOf<'RestoreSession'>> {
  return store.updateStatus('RestoreSession', namespace, name, (current) => {
    const status = mutate(structuredClone(current.status ?? {}), current);
    const phase = restoreSessionPhase(status);
    const next: RestoreSessionStatus = { ...status, phase };
    if (FINAL.has(phase) && !status.sessionDuration && current.metadata.creationTimestamp) {
      next.sessionDuration = sessionDuration(current.metadata.creationTimestamp, now());
    }
    return next;
  });
}
