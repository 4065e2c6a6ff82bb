/**
 * multielasticdump (elasticdump 6.84.1, what Stash's Elasticsearch addon runs) as a real peer:
 * dump from one engine and load into a fresh one, both over the TLS + basic-auth proxy with the
 * test CA verified, then compare documents (ids, routing, sources), mapping, settings, aliases and
 * the legacy template. It proves test/harness/elasticdump.ts and pins the layout facts written
 * down in docs/search-engines.md ("multielasticdump folder layout"), which the Stowage addon
 * must read and write.
 *
 * OpenSearch 2.19 only: Elasticsearch 8.19's integ-test zip answers `GET /` with 405, and every
 * elasticdump child starts with `GET /` (see the docs).
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMultielasticdump } from '../../harness/elasticdump.ts';
import { startSearchEngine, type SearchEngine } from '../../harness/search-engine.ts';
import { engineCall } from '../addons/engine-call.ts';

const INDEX = 'shop-orders';
const DOCS = 250; // more than --limit (100): several scroll pages and bulk batches
const TYPES = '--includeType=data,mapping,alias,settings,template';

interface Doc {
  id: string;
  routing: string | undefined;
  source: unknown;
}

function sourceOf(i: number): Record<string, unknown> {
  return {
    title: `order ${i} — ünïcode ${'x'.repeat(i % 7)}`,
    tag: ['red', 'blue', 'green'][i % 3],
    n: i * 7,
    price: i / 4,
    at: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    customer: { name: `c${i % 17}`, vip: i % 5 === 0 },
    items: Array.from({ length: i % 4 }, (_, k) => ({ sku: `s${i}-${k}`, qty: k + 1 })),
  };
}

async function ok(engine: SearchEngine, method: string, path: string, body?: unknown): Promise<unknown> {
  return (await engineCall(engine, method, path, body)).json;
}

async function allDocs(engine: SearchEngine): Promise<Doc[]> {
  const res = (await ok(engine, 'POST', `/${INDEX}/_search`, { size: 10_000, query: { match_all: {} } })) as {
    hits: { hits: Array<{ _id: string; _routing?: string; _source: unknown }> };
  };
  return res.hits.hits
    .map((h) => ({ id: h._id, routing: h._routing, source: h._source }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('multielasticdump 6.84.1 over TLS + basic auth (OpenSearch 2.19)', () => {
  let source: SearchEngine;
  let target: SearchEngine;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'stowage-elasticdump-test-'));
    [source, target] = await Promise.all([startSearchEngine('opensearch'), startSearchEngine('opensearch')]);
    await ok(source, 'PUT', `/${INDEX}`, {
      settings: {
        number_of_shards: 2,
        number_of_replicas: 0,
        refresh_interval: '7s',
        analysis: { analyzer: { my_std: { type: 'standard', stopwords: '_english_' } } },
      },
      mappings: {
        properties: {
          title: { type: 'text', analyzer: 'my_std' },
          tag: { type: 'keyword' },
          n: { type: 'long' },
          price: { type: 'double' },
          at: { type: 'date' },
          customer: { properties: { name: { type: 'keyword' }, vip: { type: 'boolean' } } },
          items: { type: 'nested', properties: { sku: { type: 'keyword' }, qty: { type: 'integer' } } },
        },
      },
      aliases: { shop: {}, 'shop-red': { filter: { term: { tag: 'red' } } } },
    });
    let bulk = '';
    for (let i = 0; i < DOCS; i++) {
      const id = i === 0 ? 'weird/id é+?' : `o-${i}`;
      const routing = i % 3 === 0 ? `,"routing":"r${i % 4}"` : '';
      bulk += `{"index":{"_index":"${INDEX}","_id":${JSON.stringify(id)}${routing}}}\n${JSON.stringify(sourceOf(i))}\n`;
    }
    const res = (await ok(source, 'POST', '/_bulk?refresh=true', bulk)) as { errors: boolean };
    expect(res.errors).toBe(false);
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const dumpTo = async (dir: string, opts: { ca?: boolean; extra?: string[] } = {}) => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return runMultielasticdump({
      direction: 'dump',
      input: source.secure.url,
      output: dir,
      auth: source.secure,
      ...(opts.ca === false ? {} : { caFile: source.secure.caFile }),
      extraArgs: [`--match=^${INDEX}$`, ...(opts.extra ?? [TYPES])],
    });
  };

  it('fails the dump when the cluster has no legacy template (GET /_template/* is 404)', async () => {
    await expect(dumpTo(join(work, 'no-template'), { extra: [] })).rejects.toThrow(/NOT_FOUND/);
  });

  it('refuses a server certificate it cannot verify (no CA given)', async () => {
    await ok(source, 'PUT', '/_template/stowage-legacy', {
      index_patterns: ['legacy-*'],
      order: 3,
      settings: { number_of_shards: 1 },
      mappings: { properties: { f: { type: 'keyword' } } },
    });
    await expect(dumpTo(join(work, 'no-ca'), { ca: false })).rejects.toThrow(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed|unable to verify/i,
    );
  });

  it('dumps the Stash layout and loads it into a fresh engine unchanged', async () => {
    const dir = join(work, 'dump');
    const dumped = await dumpTo(dir);
    expect((await readdir(dir)).sort()).toEqual(
      ['', '.alias', '.mapping', '.settings', '.template'].map((s) => `${INDEX}${s}.json`).sort(),
    );
    // NDJSON of search hits; _routing only on routed documents, no _type on OpenSearch.
    const lines = (await readFile(join(dir, `${INDEX}.json`), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(DOCS);
    for (const line of lines) {
      const hit = JSON.parse(line) as Record<string, unknown>;
      const keys = Object.keys(hit);
      expect(keys).toEqual(
        '_routing' in hit
          ? ['_index', '_id', '_score', '_routing', '_source']
          : ['_index', '_id', '_score', '_source'],
      );
    }
    // settings/alias/template are a JSON string holding JSON; mapping is a plain object.
    const settings = JSON.parse(
      JSON.parse(await readFile(join(dir, `${INDEX}.settings.json`), 'utf8')) as string,
    ) as Record<string, { settings: { index: Record<string, unknown> } }>;
    expect(settings[INDEX]?.settings.index).toMatchObject({ number_of_shards: '2', refresh_interval: '7s' });
    expect(settings[INDEX]?.settings.index).not.toHaveProperty('uuid');
    const template = JSON.parse(
      JSON.parse(await readFile(join(dir, `${INDEX}.template.json`), 'utf8')) as string,
    ) as Record<string, unknown>;
    expect(Object.keys(template)).toEqual(['stowage-legacy']);

    const loaded = await runMultielasticdump({
      direction: 'load',
      input: dir,
      output: target.secure.url,
      auth: target.secure,
      caFile: target.secure.caFile,
      extraArgs: [TYPES],
    });
    console.log(
      `multielasticdump: ${DOCS} docs dumped in ${dumped.ms.toFixed(0)} ms, loaded in ${loaded.ms.toFixed(0)} ms`,
    );

    const [want, got] = await Promise.all([allDocs(source), allDocs(target)]);
    expect(got).toHaveLength(DOCS);
    expect(got).toEqual(want);
    expect(got.filter((d) => d.routing !== undefined)).toHaveLength(Math.ceil(DOCS / 3));

    const mapping = async (e: SearchEngine) => ok(e, 'GET', `/${INDEX}/_mapping`);
    expect(await mapping(target)).toEqual(await mapping(source));
    const indexSettings = async (e: SearchEngine) =>
      ((await ok(e, 'GET', `/${INDEX}/_settings`)) as Record<string, { settings: { index: object } }>)[INDEX]!
        .settings.index;
    expect(await indexSettings(target)).toMatchObject({
      number_of_shards: '2',
      refresh_interval: '7s',
      analysis: { analyzer: { my_std: { type: 'standard', stopwords: '_english_' } } },
    });
    const aliases = async (e: SearchEngine) => ok(e, 'GET', `/${INDEX}/_alias`);
    expect(await aliases(target)).toEqual(await aliases(source));
    expect(await ok(target, 'GET', '/_template/stowage-legacy')).toEqual(
      await ok(source, 'GET', '/_template/stowage-legacy'),
    );
  });
});
