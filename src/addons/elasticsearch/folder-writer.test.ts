import { describe, expect, it } from 'vitest';
import {
  folderManifestName,
  isFolderManifest,
  type IndexRecord,
  type TemplateRecord,
} from './archive-format.ts';
import { DEFAULT_PARTS, type DumpPart } from './dump-options.ts';
import { indexFiles } from './folder-writer.ts';

const record: IndexRecord = {
  meta: 'index',
  name: 'shop',
  settings: { index: { number_of_shards: '2' } },
  mappings: { properties: { t: { type: 'text' } } },
  aliases: { s: { filter: { term: { t: 1 } } } },
};
const legacy: TemplateRecord = {
  meta: 'template',
  kind: 'legacy',
  name: 'lt',
  body: { index_patterns: ['x-*'] },
};

describe('indexFiles', () => {
  it("writes multielasticdump's files and shapes", () => {
    const files = Object.fromEntries(
      indexFiles(record, [legacy], new Set(DEFAULT_PARTS)).map((f) => [f.name, f.text]),
    );
    expect(Object.keys(files).sort()).toEqual([
      'shop.alias.json',
      'shop.mapping.json',
      'shop.settings.json',
      'shop.template.json',
    ]);
    expect(files['shop.settings.json']).toBe(
      `${JSON.stringify('{"shop":{"settings":{"index":{"number_of_shards":"2"}}}}')}\n`,
    );
    expect(files['shop.mapping.json']).toBe('{"shop":{"mappings":{"properties":{"t":{"type":"text"}}}}}\n');
    expect(files['shop.alias.json']).toBe(
      `${JSON.stringify('{"shop":{"aliases":{"s":{"filter":{"term":{"t":1}}}}}}')}\n`,
    );
    expect(files['shop.template.json']).toBe(`${JSON.stringify('{"lt":{"index_patterns":["x-*"]}}')}\n`);
  });

  it('writes the analyzer copy when asked, and "{}" for an index without aliases', () => {
    const parts = new Set<DumpPart>(['analyzer', 'alias']);
    const files = indexFiles({ ...record, aliases: {} }, [], parts);
    expect(files).toEqual([
      {
        name: 'shop.analyzer.json',
        text: `${JSON.stringify('{"shop":{"settings":{"index":{"number_of_shards":"2"}}}}')}\n`,
      },
      { name: 'shop.alias.json', text: '"{}"\n' },
    ]);
  });
});

describe('folderManifestName', () => {
  /** multielasticdump's load: readdir names with the first of each suffix removed, in its order. */
  const asIndex = (f: string) =>
    ['.mapping.json', '.analyzer.json', '.alias.json', '.settings.json', '.template.json', '.json'].reduce(
      (name, suffix) => name.replace(suffix, ''),
      f,
    );

  it('is a name multielasticdump takes for the first index itself', () => {
    const name = folderManifestName(['zeta', 'alpha']);
    expect(name).toBe('alpha.template.json.json');
    expect(asIndex(name)).toBe('alpha');
    expect(isFolderManifest(name)).toBe(true);
    expect(isFolderManifest('alpha.template.json')).toBe(false);
    expect(folderManifestName([])).toBe('.template.json.json');
  });
});
