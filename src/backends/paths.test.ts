import { describe, expect, it } from 'vitest';
import { goPathJoin } from './paths.ts';

describe('goPathJoin (Go path.Join)', () => {
  it.each([
    [['b', ''], 'b'],
    [['b', '/p'], 'b/p'],
    [['b', 'p/'], 'b/p'],
    [['b', 'a//c'], 'b/a/c'],
    [['b', './a/../c'], 'b/c'],
    [['', ''], ''],
    [['/', ''], '/'],
  ])('%j → %s', (parts, want) => expect(goPathJoin(...parts)).toBe(want));
});
