/**
 * Every write of a session's status goes through here (the controllers' and the in-job steps'), so
 * the phase is recomputed from the conditions and targets on each write, as Stash does, and
 * sessionDuration is stamped once, when the phase becomes final.
 */
import type { BackupSessionStatus, Condition, ObjectOf, RestoreSessionStatus } from '../api/index.ts';
import { nameOf, namespaceOf } from '../api/well-known.ts';
import { backupSessionPhase, backupTargetPhase } from '../core/backup-session-phase.ts';
import { setCondition } from '../core/conditions.ts';
import { isFinalPhase, type SessionKind } from '../core/final-phases.ts';
import { sessionDuration } from '../core/format.ts';
import { restoreSessionPhase } from '../core/restore-session-phase.ts';
import type { ControllerContext } from './context.ts';
import type { Store } from './store.ts';

type StatusOf<K extends SessionKind> = K extends 'BackupSession' ? BackupSessionStatus : RestoreSessionStatus;

function withBackupPhase(status: BackupSessionStatus): BackupSessionStatus {
  const targets = status.targets?.map((t) => ({ ...t, phase: backupTargetPhase(t) }));
  const withTargets: BackupSessionStatus = targets ? { ...status, targets } : status;
  return { ...withTargets, phase: backupSessionPhase(withTargets) };
}

function withRestorePhase(status: RestoreSessionStatus): RestoreSessionStatus {
  return { ...status, phase: restoreSessionPhase(status) };
}

/** The status with its phase recomputed and, once final, its duration. */
function withPhase<K extends SessionKind>(
  kind: K,
  session: ObjectOf<K>,
  status: StatusOf<K>,
  now: Date,
): StatusOf<K> {
  const next = (
    kind === 'BackupSession'
      ? withBackupPhase(status as BackupSessionStatus)
      : withRestorePhase(status as RestoreSessionStatus)
  ) as StatusOf<K>;
  const created = session.metadata.creationTimestamp;
  if (isFinalPhase(kind, next.phase) && !status.sessionDuration && created)
    next.sessionDuration = sessionDuration(created, now);
  return next;
}

export function updateSessionStatus<K extends SessionKind>(
  store: Store,
  kind: K,
  namespace: string,
  name: string,
  now: () => Date,
  mutate: (status: StatusOf<K>, session: ObjectOf<K>) => StatusOf<K>,
): Promise<ObjectOf<K>> {
  return store.updateStatus(kind, namespace, name, (current) => {
    const session = current as ObjectOf<K> & { status?: StatusOf<K> };
    const status = mutate(structuredClone(session.status ?? ({} as StatusOf<K>)), session);
    return withPhase(kind, session, status, now()) as ObjectOf<K>['status' & keyof ObjectOf<K>];
  });
}

/** Upserts conditions of the session (by type), in one write. */
export function setSessionCondition<K extends SessionKind>(
  ctx: Pick<ControllerContext, 'store' | 'now'>,
  session: ObjectOf<K>,
  ...conditions: Condition[]
): Promise<ObjectOf<K>> {
  return updateSessionStatus(
    ctx.store,
    session.kind as K,
    namespaceOf(session),
    nameOf(session),
    ctx.now,
    (s) => ({
      ...s,
      conditions: conditions.reduce((list, c) => setCondition(list, c, ctx.now()), s.conditions ?? []),
    }),
  );
}
