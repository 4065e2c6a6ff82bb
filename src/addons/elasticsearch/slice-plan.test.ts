import { describe, expect, it } from 'vitest';
import {
  defaultSlices,
  FIRST_PAGE_SIZE,
  nextPageSize,
  planPitTasks,
  scrollSlices,
  splitTasks,
  TARGET_PAGE_BYTES,
} from './slice-plan.ts';

describe('planPitTasks', () => {
  it('makes one task per shard of each non-empty index, largest shards first', () => {
    const tasks = planPitTasks(
      [
        { name: 'small', shards: 1 },
        { name: 'big', shards: 2 },
        { name: 'empty', shards: 5 },
      ],
      { small: 10, big: 1000, empty: 0 },
    );
    expect(tasks).toEqual([
      { index: 'big', slice: { id: 0, max: 2 }, estimate: 500 },
      { index: 'big', slice: { id: 1, max: 2 }, estimate: 500 },
      { index: 'small', slice: undefined, estimate: 10 },
    ]);
  });
});

describe('scrollSlices', () => {
  it('follows the shards of the index with the most documents, at most the workers', () => {
    const idx = [
      { name: 'a', shards: 5, docs: 10 },
      { name: 'b', shards: 3, docs: 1000 },
    ];
    expect(scrollSlices(8, idx)).toBe(3);
    expect(scrollSlices(2, idx)).toBe(2);
    expect(scrollSlices(4, [])).toBe(1);
  });
});

describe('defaultSlices / nextPageSize', () => {
  it('uses two per core, 2 to 16', () => {
    expect(defaultSlices(1)).toBe(2);
    expect(defaultSlices(2)).toBe(4);
    expect(defaultSlices(64)).toBe(16);
  });

  it('starts small, then keeps pages near the byte target', () => {
    expect(nextPageSize(2000, 0, 0)).toBe(FIRST_PAGE_SIZE);
    expect(nextPageSize(50, 0, 0)).toBe(50);
    expect(nextPageSize(2000, 200 * 600, 200)).toBe(2000);
    expect(nextPageSize(2000, 200 * 100_000, 200)).toBe(Math.floor(TARGET_PAGE_BYTES / 100_000));
    expect(nextPageSize(2000, 10 * 50_000_000, 10)).toBe(1);
  });
});

describe('splitTasks', () => {
  it('splits the largest tasks by _seq_no until every worker has one, the last range open-ended', () => {
    const tasks = planPitTasks([{ name: 'one', shards: 1 }], { one: 200_000 });
    const split = splitTasks(tasks, 4, { one: 199_999 });
    expect(split.map((t) => t.seqNo)).toEqual([
      { gte: 0, lt: 50_000 },
      { gte: 50_000, lt: 100_000 },
      { gte: 100_000, lt: 150_000 },
      { gte: 150_000 },
    ]);
    expect(split.every((t) => t.slice === undefined && t.estimate === 50_000)).toBe(true);
  });

  it('splits a task far above its fair share even when there are enough tasks', () => {
    const tasks = planPitTasks(
      [
        { name: 'big', shards: 1 },
        { name: 'small', shards: 4 },
      ],
      { big: 200_000, small: 200_000 },
    );
    // 400 k over 4 workers is 100 k each: the 200 k shard goes in two halves, no further.
    const split = splitTasks(tasks, 4, { big: 199_999 });
    expect(split.filter((t) => t.index === 'big').map((t) => t.estimate)).toEqual([100_000, 100_000]);
    expect(split.filter((t) => t.index === 'small')).toHaveLength(4);
  });

  it('leaves small tasks and indices without a known _seq_no alone', () => {
    const tasks = planPitTasks([{ name: 'a', shards: 1 }], { a: 1500 });
    expect(splitTasks(tasks, 4, { a: 1499 })).toEqual(tasks);
    const big = planPitTasks([{ name: 'b', shards: 1 }], { b: 100_000 });
    expect(splitTasks(big, 4, {})).toEqual(big);
  });
});
