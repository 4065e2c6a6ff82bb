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

const KEEP_KEYS = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/** Counts ≤ 0 are omitted, as Stash omits them; an empty keepTags list is omitted. */
export function retentionFlags(policy: RetentionPolicy): RetentionFlags {
  const out: RetentionFlags = { prune: policy.prune, dryRun: policy.dryRun ?? false };
  for (const k of KEEP_KEYS) {
    const v = policy[k];
    if (v !== undefined && v > 0) out[k] = v;
  }
  if (policy.keepTags && policy.keepTags.length > 0) out.keepTags = [...policy.keepTags];
  return out;
}

/** True when the policy would keep nothing explicitly (restic refuses `forget` without a keep rule). */
export function retentionKeepsNothing(flags: RetentionFlags): boolean {
  return KEEP_KEYS.every((k) => flags[k] === undefined) && flags.keepTags === undefined;
}
