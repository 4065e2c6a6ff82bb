/** RetentionPolicy → `restic forget` options (stash-spec §1.3); the engine turns these into argv. */
import type { RetentionPolicy } from '../api/index.ts';

export interface RetentionFlags {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepTags?: string[];
  prune?: boolean;
  dryRun?: boolean;
}

/** The keep-N rules, in restic's order. */
export const RETENTION_KEEP_COUNTS = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;

/** Counts ≤ 0 are omitted, as Stash omits them; an empty keepTags list is omitted. */
export function retentionFlags(policy: RetentionPolicy): RetentionFlags {
  const out: RetentionFlags = { prune: policy.prune, dryRun: policy.dryRun ?? false };
  for (const k of RETENTION_KEEP_COUNTS) {
    const v = policy[k];
    if (v !== undefined && v > 0) out[k] = v;
  }
  if (policy.keepTags && policy.keepTags.length > 0) out.keepTags = [...policy.keepTags];
  return out;
}
