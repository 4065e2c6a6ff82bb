import { describe, expect, it } from 'vitest';
import { MissingSourceError, pageLines } from './search-page.ts';

const page = (hits: string[], prefix = '', suffix = '') =>
  Buffer.from(`{${prefix}"hits":{"hits":[${hits.join(',')}]${suffix}}}`);

describe('pageLines', () => {
  it('cuts each hit after _source and keeps the bytes as they are', () => {
    const hits = [
      '{"_index":"a","_id":"1","_routing":"r1","_source":{"t":"é \\"x\\" {[","n":9007199254740993},"sort":[0]}',
      '{"_index":"a","_id":"2","_source":{"nested":{"a":[1,{"b":null}]},"s":"\\\\"},"sort":[5]}',
    ];
    const p = pageLines(page(hits, '"pit_id":"abc",'));
    expect(p.count).toBe(2);
    expect(p.bytes.toString()).toBe(
      '{"_index":"a","_id":"1","_routing":"r1","_source":{"t":"é \\"x\\" {[","n":9007199254740993}}\n' +
        '{"_index":"a","_id":"2","_source":{"nested":{"a":[1,{"b":null}]},"s":"\\\\"}}\n',
    );
    expect(p.lastSort).toEqual([5]);
    expect(p.meta.pit_id).toBe('abc');
    expect(p.parts).toEqual([{ index: 'a', start: 0, end: p.bytes.length, count: 2 }]);
  });

  it('keeps _type (Elasticsearch 6) and reads the scroll id and total around the hits', () => {
    const p = pageLines(
      page(['{"_index":"x","_type":"_doc","_id":"1","_source":{}}'], '"_scroll_id":"s1",', ',"total":7'),
    );
    expect(p.bytes.toString()).toBe('{"_index":"x","_type":"_doc","_id":"1","_source":{}}\n');
    expect(p.meta).toEqual({ _scroll_id: 's1', hits: { total: 7, hits: [] } });
    expect(p.lastSort).toBeUndefined();
  });

  it('groups consecutive hits by index', () => {
    const hit = (i: string, id: number) =>
      `{"_index":"${i}","_id":"${id}","_source":{"v":${id}},"sort":[${id}]}`;
    const p = pageLines(page([hit('a', 1), hit('a', 2), hit('bb', 3), hit('a', 4)]));
    const text = p.bytes.toString();
    expect(p.parts.map((x) => [x.index, x.count, text.slice(x.start, x.end).split('\n').length - 1])).toEqual(
      [
        ['a', 2, 2],
        ['bb', 1, 1],
        ['a', 1, 1],
      ],
    );
    expect(text.slice(p.parts[1]!.start, p.parts[1]!.end)).toBe(
      '{"_index":"bb","_id":"3","_source":{"v":3}}\n',
    );
  });

  it('rebuilds hits in another shape, and lines with raw line breaks', () => {
    const p = pageLines(
      page([
        '{"_id":"1","_index":"a","_source":{"x":1},"sort":[1]}',
        '{"_index":"a","_id":"2","_source":{\n"x" : 2\n},"sort":[2]}',
        '{"_index":"a","_id":"3","_source":{"x":3},"sort":[3]}',
      ]),
    );
    expect(p.bytes.toString()).toBe(
      '{"_index":"a","_id":"1","_source":{"x":1}}\n{"_index":"a","_id":"2","_source":{"x":2}}\n{"_index":"a","_id":"3","_source":{"x":3}}\n',
    );
    expect(p.parts).toHaveLength(1);
    expect(p.lastSort).toEqual([3]);
  });

  it('moves to a buffer of its own when a rebuilt line outgrows its hit', () => {
    // 1e5 is written back as 100000: longer than the hit it came from, which has no sort to spare.
    const p = pageLines(
      page(['{"_id":"1","_index":"a","_source":{"x":1e5}}', '{"_index":"a","_id":"2","_source":{}}']),
    );
    expect(p.bytes.toString()).toBe(
      '{"_index":"a","_id":"1","_source":{"x":100000}}\n{"_index":"a","_id":"2","_source":{}}\n',
    );
  });

  it('handles an empty page (filter_path drops the empty array)', () => {
    expect(pageLines(Buffer.from('{}'))).toMatchObject({
      count: 0,
      parts: [],
      lastSort: undefined,
      meta: {},
    });
    expect(pageLines(Buffer.from('{"_scroll_id":"z"}')).meta._scroll_id).toBe('z');
    expect(pageLines(page([])).count).toBe(0);
  });

  it('refuses hits without _source and malformed answers', () => {
    expect(() => pageLines(page(['{"_index":"a","_id":"1","sort":[1]}']))).toThrow(MissingSourceError);
    expect(() => pageLines(Buffer.from('{"hits":{"hits":[{"_index":"a","_source":{"x":"'))).toThrow(
      /not the JSON expected/,
    );
  });
});
