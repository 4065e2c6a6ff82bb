/**
 * Merges Stash applies when writing session status (stash-spec §1.5): targets upserted by exact
 * TargetRef, host stats by hostname, action lists de-duplicated, conditions upserted by type with
 * kmodules SetCondition semantics. All functions return new arrays and never mutate their inputs.
 */
import type { BackupTargetStatus, Condition, HostBackupStats, HostRestoreStats } from '../api/index.ts';
import { backupTargetPhase } from './backup-session-phase.ts';
import { setCondition } from './conditions.ts';
import { targetRefEquals } from './target-ref.ts';

export function upsertConditions(
  list: readonly Condition[] | undefined,
  incoming: readonly Condition[] | undefined,
  now: Date,
): Condition[] {
  let out = [...(list ?? [])];
  for (const c of incoming ?? []) {
    const { lastTransitionTime: _ignored, ...rest } = c;
    out = setCondition(out, rest, now);
  }
  return out;
}

/** Upserts by hostname; an incoming entry replaces the stored one for the same host. */
export function upsertHostStats<H extends HostBackupStats | HostRestoreStats>(
  list: readonly H[] | undefined,
  incoming: readonly H[] | undefined,
): H[] {
  const out = [...(list ?? [])];
  for (const h of incoming ?? []) {
    const i = out.findIndex((x) => (x.hostname ?? '') === (h.hostname ?? ''));
    if (i < 0) out.push(h);
    else out[i] = h;
  }
  return out;
}

/** Union keeping first-seen order. */
export function mergeActions(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): string[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

/**
 * Merges one target's status into the list. totalHosts is taken from the incoming entry when given;
 * the target phase is recomputed from the merged result.
 */
export function upsertBackupTargetStatus(
  targets: readonly BackupTargetStatus[] | undefined,
  incoming: BackupTargetStatus,
  now: Date,
): BackupTargetStatus[] {
  const out = [...(targets ?? [])];
  const i = out.findIndex((t) => targetRefEquals(t.ref, incoming.ref));
  const old: BackupTargetStatus = i < 0 ? { ref: incoming.ref } : (out[i] as BackupTargetStatus);
  const merged: BackupTargetStatus = { ref: old.ref };
  const totalHosts = incoming.totalHosts ?? old.totalHosts;
  if (totalHosts !== undefined) merged.totalHosts = totalHosts;
  if (old.stats !== undefined || incoming.stats !== undefined)
    merged.stats = upsertHostStats(old.stats, incoming.stats);
  if (old.conditions !== undefined || incoming.conditions !== undefined) {
    merged.conditions = upsertConditions(old.conditions, incoming.conditions, now);
  }
  const pre = mergeActions(old.preBackupActions, incoming.preBackupActions);
  if (pre !== undefined) merged.preBackupActions = pre;
  const post = mergeActions(old.postBackupActions, incoming.postBackupActions);
  if (post !== undefined) merged.postBackupActions = post;
  merged.phase = backupTargetPhase(merged);
  if (i < 0) out.push(merged);
  else out[i] = merged;
  return out;
}
