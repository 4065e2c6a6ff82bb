import { describe, expect, it } from 'vitest';
import { searchTarget, targetQuery } from './point-in-time.ts';

describe('searchTarget', () => {
  it('names the indices in the path while it stays short', () => {
    expect(searchTarget(['a', 'b+c'], true)).toEqual({
      path: '/a,b%2Bc',
      filter: undefined,
      expandWildcards: undefined,
    });
    expect(targetQuery(searchTarget(['a'], false))).toBeUndefined();
  });

  it('goes to _all with a terms filter when the names would not fit a request line', () => {
    const names = Array.from({ length: 400 }, (_, i) => `index-number-${i}`);
    const target = searchTarget(names, true);
    expect(target).toMatchObject({ path: '/_all', expandWildcards: 'open,hidden' });
    expect(targetQuery(target)).toEqual({ terms: { _index: names } });
    expect(searchTarget(names, false).expandWildcards).toBe('open');
    expect(targetQuery(target, 'one')).toEqual({ term: { _index: 'one' } });
  });
});
