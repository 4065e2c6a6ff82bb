import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archiveHeader, templateRecord } from './archive-format.ts';
import type { DocumentBatch } from './load.ts';
import { classifyFile, parseMetadata, readFolder, templatesOf } from './folder-reader.ts';
import { parseDocumentLine } from './document-line.ts';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/multielasticdump/', import.meta.url));

async function docsOf(batches: AsyncIterable<DocumentBatch>) {
  const out: Array<{ index: string | undefined; id: string; routing?: string | undefined; source: string }> =
    [];
  for await (const b of batches) {
    for (const l of b.lines) {
      const d = parseDocumentLine(l, b.origin, b.sourceLast);
      out.push({ index: b.index, id: d.id, routing: d.routing, source: d.source.toString() });
    }
  }
  return out;
}

describe('classifyFile', () => {
  it("names the index and kind of multielasticdump's files", () => {
    expect(classifyFile('shop.mapping.json')).toMatchObject({ index: 'shop', kind: 'mapping', gzip: false });
    expect(classifyFile('shop.settings.json.gz')).toMatchObject({
      index: 'shop',
      kind: 'settings',
      gzip: true,
    });
    expect(classifyFile('shop.json')).toMatchObject({ index: 'shop', kind: 'data' });
    expect(classifyFile('my.alias.idx.alias.json')).toMatchObject({ index: 'my.alias.idx', kind: 'alias' });
    expect(classifyFile('.template.json')).toMatchObject({ index: '.template', kind: 'data' });
    expect(classifyFile('notes.txt')).toBeUndefined();
    expect(classifyFile('shop.template.json.json')).toBeUndefined();
  });
});

describe('parseMetadata', () => {
  it('reads plain and doubly encoded JSON', () => {
    expect(parseMetadata('{"a":{"mappings":{}}}\n', 'f')).toEqual({ a: { mappings: {} } });
    expect(parseMetadata('"{\\"a\\":{\\"aliases\\":{}}}"\n', 'f')).toEqual({ a: { aliases: {} } });
    expect(parseMetadata('"{}"\n', 'f')).toEqual({});
    expect(parseMetadata('{"a":1}\n{"b":2}\n', 'f')).toEqual({ a: 1, b: 2 });
    expect(() => parseMetadata('{nope', 'x.mapping.json')).toThrow(/x.mapping.json is not JSON/);
  });

  it('reads legacy, composable and component template answers', () => {
    expect(templatesOf({ t1: { index_patterns: ['a*'] } })).toEqual([
      templateRecord('legacy', 't1', { index_patterns: ['a*'] }),
    ]);
    expect(
      templatesOf({ index_templates: [{ name: 'c', index_template: { index_patterns: ['c*'] } }] })[0],
    ).toMatchObject({
      kind: 'composable',
      name: 'c',
    });
    expect(
      templatesOf({ component_templates: [{ name: 'k', component_template: { template: {} } }] })[0],
    ).toMatchObject({
      kind: 'component',
      name: 'k',
    });
  });
});

describe('readFolder on real multielasticdump output', () => {
  for (const engine of [
    'elasticsearch-6.8.23',
    'elasticsearch-7.17.29',
    'elasticsearch-8.19.21',
    'opensearch-2.19.6',
  ]) {
    it(engine, async () => {
      const source = await readFolder(join(fixtures, engine));
      expect(source.indices.map((i) => i.name)).toEqual(['other-idx', 'shop-orders']);
      const shop = source.indices.find((i) => i.name === 'shop-orders')!;
      expect(shop.settings).toMatchObject({
        index: {
          number_of_shards: '2',
          refresh_interval: '7s',
          max_result_window: '20000',
          analysis: { analyzer: { my_std: { stopwords: '_english_' } } },
        },
      });
      expect(shop.aliases).toEqual({
        shop: {},
        'shop-red': { filter: { term: { tag: 'red' } }, index_routing: 'r1', search_routing: 'r1' },
      });
      expect(JSON.stringify(shop.mappings)).toContain('"title"');
      expect(source.templates.map((t) => `${t.kind}/${t.name}`)).toContain('legacy/stowage-legacy');

      const docs = await docsOf(source.documents(new Set(['shop-orders'])));
      expect(docs.map((d) => d.id).sort()).toEqual(['1', '2', '4', 'weird/id é+?']);
      expect(docs.every((d) => d.index === 'shop-orders')).toBe(true);
      expect(docs.find((d) => d.id === '1')).toMatchObject({ routing: 'r1' });
      expect(JSON.parse(docs.find((d) => d.id === '1')!.source)).toMatchObject({ title: 'The red fox' });
      expect(source.expectedCounts()).toEqual({ 'shop-orders': 4 });
    });
  }
});

describe('readFolder', () => {
  it('reads gzipped files, skips unselected data and warns about strangers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-folder-'));
    try {
      await writeFile(
        join(dir, 'a.json.gz'),
        gzipSync('{"_index":"a","_id":"1","_score":1,"_source":{"x":1}}\n'),
      );
      await writeFile(
        join(dir, 'a.mapping.json.gz'),
        gzipSync('{"a":{"mappings":{"properties":{"x":{"type":"long"}}}}}\n'),
      );
      await writeFile(join(dir, 'b.json'), '{"_index":"b","_id":"1","_score":1,"_source":{}}\n');
      await writeFile(join(dir, 'README.txt'), 'hello');
      const warnings: string[] = [];
      const source = await readFolder(dir, { warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`) });
      expect(warnings).toEqual(['ignoring files that are not part of a dump {"files":["README.txt"]}']);
      expect(source.indices.map((i) => [i.name, i.mappings])).toEqual([
        ['a', { properties: { x: { type: 'long' } } }],
        ['b', {}],
      ]);
      expect(await docsOf(source.documents(new Set(['a'])))).toEqual([
        { index: 'a', id: '1', routing: undefined, source: '{"x":1}' },
      ]);
      expect(source.expectedCounts()).toEqual({ a: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads Stowage's manifest: all templates, the dump's counts, Stowage lines", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-folder-'));
    const header = archiveHeader(
      { distribution: 'opensearch', version: '2.19.6' },
      ['a'],
      '2025-01-01T00:00:00Z',
    );
    const composable = templateRecord('composable', 'it', { index_patterns: ['it-*'] });
    const legacy = templateRecord('legacy', 'lt', { index_patterns: ['lt-*'] });
    try {
      await writeFile(
        join(dir, 'a.settings.json'),
        `${JSON.stringify(JSON.stringify({ a: { settings: { index: { number_of_shards: '2' } } } }))}\n`,
      );
      await writeFile(
        join(dir, 'a.template.json'),
        `${JSON.stringify(JSON.stringify({ lt: legacy.body }))}\n`,
      );
      await writeFile(
        join(dir, 'a.json'),
        '{"_index":"a","_id":"1","_source":{"n":1}}\n{"_index":"a","_id":"2","_source":{"n":2}}\n',
      );
      const manifest = [header, composable, legacy, { meta: 'end', documents: { a: 3 } }];
      await writeFile(
        join(dir, 'a.template.json.json'),
        manifest.map((r) => `${JSON.stringify(r)}\n`).join(''),
      );
      const source = await readFolder(dir);
      expect(source.indices.map((i) => [i.name, i.settings])).toEqual([
        ['a', { index: { number_of_shards: '2' } }],
      ]);
      expect(source.templates.map((t) => `${t.kind}/${t.name}`).sort()).toEqual([
        'composable/it',
        'legacy/lt',
      ]);
      const batches: DocumentBatch[] = [];
      for await (const b of source.documents(new Set(['a']))) batches.push(b);
      expect(batches.every((b) => b.sourceLast)).toBe(true);
      // the trailer's count wins over the lines found: a data file cut short shows as a mismatch
      expect(source.expectedCounts()).toEqual({ a: 3 });

      await writeFile(join(dir, 'a.template.json.json'), `${JSON.stringify(header)}\n`);
      await expect(readFolder(dir)).rejects.toThrow(
        /has no trailer record: the dump that wrote it did not finish/,
      );
      await writeFile(
        join(dir, 'a.template.json.json'),
        `${JSON.stringify({ ...header, indices: ['a', 'b'] })}\n${JSON.stringify({ meta: 'end', documents: {} })}\n`,
      );
      await expect(readFolder(dir)).rejects.toThrow(/lacks the files of "b", which its manifest lists/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder without dump files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-folder-'));
    try {
      await expect(readFolder(dir)).rejects.toThrow(/holds no index files/);
      await expect(readFolder(join(dir, 'missing'))).rejects.toThrow(/cannot read the dump folder/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
