import { describe, expect, it } from 'vitest';
import { retentionFlags } from './retention.ts';

/** Every rule set: the flags carry them all unchanged. */
const everyRule = {
  keepLast: 1,
  keepHourly: 2,
  keepDaily: 3,
  keepWeekly: 4,
  keepMonthly: 5,
  keepYearly: 6,
  keepTags: ['a', 'b'],
  prune: false,
  dryRun: true,
};

describe('retentionFlags', () => {
  it.each([
    ['keep-last only', { name: 'p', keepLast: 5, prune: true }, { keepLast: 5, prune: true, dryRun: false }],
    ['every rule', { name: 'p', ...everyRule }, everyRule],
    [
      'zero and negative counts are omitted',
      { name: 'p', keepLast: 0, keepDaily: -1, keepWeekly: 2, prune: true },
      { keepWeekly: 2, prune: true, dryRun: false },
    ],
    [
      'empty tags are omitted',
      { name: 'p', keepLast: 1, keepTags: [], prune: false },
      { keepLast: 1, prune: false, dryRun: false },
    ],
  ])('Given %s, When mapped, Then the flags are exact', (_n, policy, want) => {
    expect(retentionFlags(policy)).toEqual(want);
  });
});
