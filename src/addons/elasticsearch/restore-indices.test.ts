import { describe, expect, it } from 'vitest';
import { planIndex } from './index-plan.ts';
import { checkCollisions, chunkNames, forEachLimit } from './restore-indices.ts';

const plan = (name: string, aliases: Record<string, unknown> = {}) =>
  planIndex({ meta: 'index', name, settings: {}, mappings: {}, aliases }, { mappingTypes: false });

describe('checkCollisions', () => {
  const existing = { indices: new Set(['a', 'other']), aliases: new Map([['b', ['x-1']]]) };

  it('lets new names through', () => {
    expect(checkCollisions([plan('new', { fresh: {} })], existing, false)).toEqual([]);
  });

  it('refuses an existing index by name unless --delete-existing, then deletes it', () => {
    expect(() => checkCollisions([plan('a'), plan('c')], existing, false)).toThrow(
      'refusing to restore: index "a" already exists. Nothing was changed. Delete them, restore a subset (--include/--exclude/--match), or pass --delete-existing to replace them.',
    );
    expect(checkCollisions([plan('a'), plan('c')], existing, true)).toEqual(['a']);
  });

  it('always refuses a clash with an alias or an alias named like an index', () => {
    expect(() => checkCollisions([plan('b')], existing, true)).toThrow(
      /"b" is the name of an alias of "x-1"/,
    );
    expect(() => checkCollisions([plan('c', { other: {} })], existing, true)).toThrow(
      /alias "other" of index "c" is the name of an existing index/,
    );
  });
});

describe('helpers', () => {
  it('chunks index names for URLs', () => {
    const names = Array.from({ length: 400 }, (_, i) => `index-with-a-long-name-${i}`);
    const chunks = chunkNames(names);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.length <= 3000)).toBe(true);
    expect(chunks.join(',').split(',')).toEqual(names);
    expect(chunkNames(['a b'])).toEqual(['a%20b']);
  });

  it('runs at most `limit` at once', async () => {
    let running = 0;
    let max = 0;
    const done: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      max = Math.max(max, running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
      done.push(n);
    });
    expect(max).toBe(2);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
