import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { archiveHeader, templateRecord } from './archive-format.ts';
import { ArchiveStreamReader } from './stream-reader.ts';

const header = JSON.stringify(
  archiveHeader({ distribution: 'opensearch', version: '2.19.6' }, ['a', 'b'], '2025-01-01T00:00:00Z'),
);
const index = (name: string) =>
  JSON.stringify({ meta: 'index', name, settings: {}, mappings: {}, aliases: {} });
const template = JSON.stringify(templateRecord('legacy', 't', { index_patterns: ['x*'] }));
const docLine = (i: number, idx = 'a') => `{"_index":"${idx}","_id":"${i}","_source":{"n":${i}}}`;
const trailer = JSON.stringify({ meta: 'end', documents: { a: 3, b: 0 } });

/** The stream cut into chunks of `size` bytes, to cross every line boundary. */
function chunks(text: string, size = 7): Readable {
  const b = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

async function readAll(text: string, size?: number) {
  const reader = new ArchiveStreamReader(chunks(text, size));
  const preamble = await reader.readPreamble();
  const docs: string[] = [];
  const firstLines: number[] = [];
  for await (const batch of reader.documents()) {
    firstLines.push(batch.firstLine);
    docs.push(...batch.lines.map((l) => l.toString()));
  }
  return { preamble, docs, trailer: reader.trailer, firstLines };
}

describe('ArchiveStreamReader', () => {
  const full = [
    header,
    index('a'),
    index('b'),
    template,
    docLine(1),
    docLine(2),
    docLine(3),
    trailer,
    '',
  ].join('\n');

  it('reads the preamble, then the documents, then the trailer', async () => {
    for (const size of [3, 7, 64, 100_000]) {
      const r = await readAll(full, size);
      expect(r.preamble.header.engine.version).toBe('2.19.6');
      expect(r.preamble.indices.map((i) => i.name)).toEqual(['a', 'b']);
      expect(r.preamble.templates.map((t) => t.name)).toEqual(['t']);
      expect(r.docs).toEqual([docLine(1), docLine(2), docLine(3)]);
      expect(r.trailer?.documents).toEqual({ a: 3, b: 0 });
    }
    const r = await readAll(full, 100_000);
    expect(r.firstLines).toEqual([5]);
  });

  it('accepts a trailer without its final newline and an empty dump', async () => {
    expect((await readAll(full.trimEnd())).trailer).toBeDefined();
    const empty = await readAll([header, JSON.stringify({ meta: 'end', documents: {} })].join('\n'));
    expect(empty.docs).toEqual([]);
    expect(empty.preamble.indices).toEqual([]);
  });

  it('refuses a stream cut short: no trailer, or a half-written last line', async () => {
    const noTrailer = [header, index('a'), docLine(1), docLine(2), ''].join('\n');
    await expect(readAll(noTrailer)).rejects.toMatchObject({ code: 'ARCHIVE_TRUNCATED' });
    await expect(readAll(noTrailer)).rejects.toThrow(
      /ended after 4 complete line\(s\) without its trailer record: the backup was cut short/,
    );
    const halfLine = [header, index('a'), docLine(1), '{"_index":"a","_id":"2","_sou'].join('\n');
    const reader = new ArchiveStreamReader(chunks(halfLine));
    await reader.readPreamble();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const b of reader.documents()) seen.push(...b.lines.map(String));
      })(),
    ).rejects.toMatchObject({ code: 'ARCHIVE_TRUNCATED' });
    // the half line is never handed on to be loaded
    expect(seen).toEqual([docLine(1)]);
    await expect(readAll([header, index('a')].join('\n'))).rejects.toMatchObject({
      code: 'ARCHIVE_TRUNCATED',
    });
    await expect(readAll(header.slice(0, 30))).rejects.toMatchObject({ code: 'ARCHIVE_TRUNCATED' });
  });

  it('refuses what is not a Stowage dump, or is out of order', async () => {
    await expect(readAll('')).rejects.toThrow(/the stream is empty/);
    await expect(readAll(`${docLine(1)}\n`)).rejects.toThrow(
      /does not start with a Stowage Elasticsearch dump header/,
    );
    await expect(readAll(`${header.replace('"format":1', '"format":2')}\n`)).rejects.toThrow(
      /format 2, this Stowage reads format 1/,
    );
    await expect(readAll([header, docLine(1), index('a'), trailer, ''].join('\n'))).rejects.toThrow(
      /line 3: a "index" record after the first document/,
    );
    await expect(readAll([header, trailer, docLine(1), ''].join('\n'))).rejects.toThrow(
      /line 3: data after the trailer/,
    );
    await expect(readAll([header, '{"meta":"end","documents":{"a":"x"}}', ''].join('\n'))).rejects.toThrow(
      /no per-index document counts/,
    );
  });
});
