import { describe, expect, it } from 'vitest';
import { indexInfos } from './list-indices.ts';

describe('indexInfos', () => {
  it('joins settings, aliases and _cat by name', () => {
    const infos = indexInfos(
      {
        b: { settings: { 'index.number_of_shards': '3' } },
        a: { settings: { 'index.number_of_shards': '1', 'index.hidden': 'true' } },
        c: { settings: {} },
      },
      { b: { aliases: { y: {}, x: { filter: { term: { t: 1 } } } } } },
      [
        { index: 'a', status: 'open', 'docs.count': '5' },
        { index: 'b', status: 'open', 'docs.count': '12' },
        { index: 'c', status: 'close', 'docs.count': null },
      ],
    );
    expect(infos).toEqual([
      { name: 'a', aliases: [], aliasBodies: {}, hidden: true, shards: 1, open: true, docs: 5 },
      {
        name: 'b',
        aliases: ['x', 'y'],
        aliasBodies: { y: {}, x: { filter: { term: { t: 1 } } } },
        hidden: false,
        shards: 3,
        open: true,
        docs: 12,
      },
      { name: 'c', aliases: [], aliasBodies: {}, hidden: false, shards: 1, open: false, docs: 0 },
    ]);
  });
});
