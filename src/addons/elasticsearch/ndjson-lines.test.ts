import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ndjsonLines, type LineState } from './ndjson-lines.ts';

async function collect(chunks: string[], state?: LineState): Promise<string[]> {
  const out: string[] = [];
  const source = Readable.from(chunks.map((c) => Buffer.from(c)));
  for await (const batch of ndjsonLines(source, state)) out.push(...batch.map((b) => b.toString()));
  return out;
}

describe('ndjsonLines', () => {
  it('splits lines, joins lines across chunks, skips blank lines and strips \\r', async () => {
    expect(await collect(['{"a":1}\n{"b"', ':2}\r\n\n  \n{"c":', '3}\n'])).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
    ]);
  });

  it('yields a last line without newline, unless a state asks for it', async () => {
    expect(await collect(['{"a":1}\n{"b":2}'])).toEqual(['{"a":1}', '{"b":2}']);
    const state: LineState = {};
    expect(await collect(['{"a":1}\n{"b":', '2}'], state)).toEqual(['{"a":1}']);
    expect(state.unterminated?.toString()).toBe('{"b":2}');
  });

  it('keeps multi-byte characters split between chunks intact', async () => {
    const bytes = Buffer.from('{"t":"é€😀"}\n');
    const chunks = [bytes.subarray(0, 8), bytes.subarray(8, 11), bytes.subarray(11)];
    const out: string[] = [];
    for await (const batch of ndjsonLines(Readable.from(chunks))) out.push(...batch.map((b) => b.toString()));
    expect(out).toEqual(['{"t":"é€😀"}']);
  });
});
