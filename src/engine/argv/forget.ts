/** argv of `restic forget` from a retention policy. */
import { RETENTION_KEEP_COUNTS } from '../../core/retention.ts';
import type { RetentionFlags } from '../types.ts';
import { repeated } from './common.ts';

/** keepLast → --keep-last, … */
const keepFlags = RETENTION_KEEP_COUNTS.map(
  (k) => [k, `--keep-${k.slice('keep'.length).toLowerCase()}`] as const,
);

/** True when the policy keeps something; restic refuses `forget` without any keep rule. */
export function hasKeepRule(flags: RetentionFlags): boolean {
  return keepFlags.some(([k]) => (flags[k] ?? 0) > 0) || (flags.keepTags?.length ?? 0) > 0;
}

/**
 * Values <= 0 are left out, as Stash does: in a RetentionPolicy 0 means "rule not set", whereas to
 * restic 0 would be a real value (and -1 would mean "keep all").
 */
export function forgetArgs(
  flags: RetentionFlags,
  options: { host?: string | undefined; ids?: readonly string[] } = {},
): string[] {
  const keep = keepFlags.flatMap(([key, flag]) => {
    const v = flags[key];
    return v !== undefined && v > 0 ? [flag, String(v)] : [];
  });
  return [
    'forget',
    '--json',
    '--quiet',
    ...(options.host === undefined ? [] : ['--host', options.host]),
    ...keep,
    ...repeated('--keep-tag', flags.keepTags),
    ...(flags.prune ? ['--prune'] : []),
    ...(flags.dryRun ? ['--dry-run'] : []),
    ...(options.ids ?? []),
  ];
}
