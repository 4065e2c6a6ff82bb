/**
 * The Elasticsearch/OpenSearch restore program (src/addons/elasticsearch/load-command.ts) against
 * every pinned engine, through the nginx TLS + basic-auth proxy with CA verification, run as the
 * real child program restic would feed. A small generator in this file writes the streaming layout
 * (archive-format.ts) by hand: indices with 2–3 shards, custom settings, analysis, mappings, a
 * filtered and routed alias, routed documents, an odd `_id`, a big integer, and templates.
 *
 * Checked: every document (`_id`, routing, `_source`), mappings, the settings that matter, aliases,
 * templates and counts; an existing index refused before anything changes, `--delete-existing`
 * replacing it; a stream without its trailer failing with the index state; real 429s (a write
 * queue of 2) retried until the load is complete; multielasticdump's folder layout from the
 * fixtures and from a fresh multielasticdump dump. Then, on the same engine, the addon contract
 * (./contract.ts): Stowage's own dump through restic and back, as a stream and as a folder.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availableEngines,
  engineRequest,
  startSearchEngine,
  type EngineKind,
  type SearchEngine,
} from '../../harness/search-engine.ts';
import { runMultielasticdump } from '../../harness/elasticdump.ts';
import { createElasticsearchAddon } from '../../../src/addons/elasticsearch/index.ts';
import { addonContract } from './contract.ts';
import { elasticdumpAccess } from './engine-call.ts';
import { searchUnderTest } from './search-under-test.ts';
import { proxyEnv, runProgram, type ProgramRun } from './search-programs.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = join(root, 'test/fixtures/multielasticdump');
const BIG = '9007199254740993';

interface Doc {
  routing: string | undefined;
  source: Record<string, unknown>;
}

interface Dataset {
  text: string;
  docs: Map<string, Map<string, Doc>>;
}

const shopMappings = {
  properties: {
    title: { type: 'text', analyzer: 'my_std' },
    tag: { type: 'keyword' },
    n: { type: 'long' },
    at: { type: 'date' },
    obj: { properties: { a: { type: 'keyword' }, b: { type: 'integer' } } },
    items: { type: 'nested', properties: { sku: { type: 'keyword' } } },
  },
};
const eventsMappings = { properties: { msg: { type: 'text' }, level: { type: 'keyword' } } };
const TAGS = ['red', 'green', 'blue'];

/** The stream an Elasticsearch dump of this engine would hold (typed on Elasticsearch 6). */
function buildStream(
  engine: { kind: EngineKind; version: string },
  o: {
    shopDocs?: number;
    eventDocs?: number;
    extraIndex?: string;
    trailer?: boolean;
    templates?: boolean;
  } = {},
): Dataset {
  const typed = engine.kind === 'elasticsearch' && engine.version.startsWith('6.');
  const composable = engine.kind === 'opensearch' || !/^(6\.|7\.[0-7]\.)/.test(engine.version);
  const wrap = (m: Record<string, unknown>) => (typed ? { _doc: m } : m);
  const lines: string[] = [];
  const docs = new Map<string, Map<string, Doc>>();
  const indices = ['shop-orders', 'events-2024', 'empty-idx', ...(o.extraIndex ? [o.extraIndex] : [])];
  lines.push(
    JSON.stringify({
      meta: 'header',
      stowage: 'elasticsearch-dump',
      format: 1,
      engine: { distribution: engine.kind, version: engine.version },
      createdAt: new Date().toISOString(),
      indices,
    }),
  );
  if (o.templates !== false) {
    lines.push(
      JSON.stringify({
        meta: 'template',
        kind: 'legacy',
        name: 'stowage-legacy',
        body: {
          order: 3,
          index_patterns: ['legacy-*'],
          settings: { index: { number_of_shards: '1' } },
          mappings: wrap({ properties: { f: { type: 'keyword' } } }),
          aliases: { 'legacy-all': {} },
        },
      }),
    );
    if (composable) {
      lines.push(
        JSON.stringify({
          meta: 'template',
          kind: 'component',
          name: 'stowage-ct',
          body: { template: { mappings: { properties: { c: { type: 'keyword' } } } } },
        }),
        JSON.stringify({
          meta: 'template',
          kind: 'composable',
          name: 'stowage-it',
          body: {
            index_patterns: ['it-*'],
            priority: 7,
            composed_of: ['stowage-ct'],
            template: { settings: { number_of_shards: 1 } },
          },
        }),
      );
    }
  }
  const index = (
    name: string,
    settings: Record<string, unknown>,
    mappings: Record<string, unknown>,
    aliases = {},
  ) =>
    lines.push(
      JSON.stringify({
        meta: 'index',
        name,
        settings: { index: settings },
        mappings: wrap(mappings),
        aliases,
      }),
    );
  index(
    'shop-orders',
    {
      number_of_shards: '3',
      number_of_replicas: '1',
      refresh_interval: '7s',
      max_result_window: '20000',
      analysis: { analyzer: { my_std: { type: 'standard', stopwords: '_english_' } } },
    },
    shopMappings,
    { shop: {}, 'shop-red': { filter: { term: { tag: 'red' } }, index_routing: 'r1', search_routing: 'r1' } },
  );
  index('events-2024', { number_of_shards: '2', number_of_replicas: '0' }, eventsMappings);
  index('empty-idx', { number_of_shards: '1', number_of_replicas: '0' }, {});
  if (o.extraIndex) index(o.extraIndex, { number_of_shards: '1', number_of_replicas: '0' }, {});

  const add = (
    idx: string,
    id: string,
    routing: string | undefined,
    source: Record<string, unknown>,
    raw?: string,
  ) => {
    const byId = docs.get(idx) ?? new Map<string, Doc>();
    docs.set(idx, byId);
    byId.set(id, { routing, source });
    const head: Record<string, unknown> = { _index: idx, ...(typed ? { _type: '_doc' } : {}), _id: id };
    if (routing !== undefined) head._routing = routing;
    lines.push(`${JSON.stringify(head).slice(0, -1)},"_source":${raw ?? JSON.stringify(source)}}`);
  };
  const shopDocs = o.shopDocs ?? 300;
  for (let i = 0; i < shopDocs; i++) {
    const tag = TAGS[i % 3]!;
    // the filtered alias routes to r1: every red document is routed there
    const routing = tag === 'red' ? 'r1' : i % 5 === 0 ? `r${i % 7}` : undefined;
    add('shop-orders', `o-${i}`, routing, {
      title: `order ${i} of the ${tag} fox`,
      tag,
      n: i,
      at: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      obj: { a: `a${i % 4}`, b: i % 11 },
      items: [{ sku: `s${i}` }, { sku: `t${i}` }],
    });
  }
  add('shop-orders', 'weird/id é+?', undefined, { title: 'odd id', tag: 'green', n: -1 });
  add(
    'shop-orders',
    'big',
    undefined,
    { title: 'big', tag: 'blue', n: 0 },
    `{"title":"big","tag":"blue","n":${BIG}}`,
  );
  for (let i = 0; i < (o.eventDocs ?? 1000); i++) {
    add('events-2024', `e${i}`, undefined, { msg: `event ${i}`, level: i % 10 === 0 ? 'warn' : 'info' });
  }
  if (o.extraIndex) add(o.extraIndex, 'x1', undefined, { x: 1 });
  // The streams interleave indices; shuffle deterministically so bulks mix them too.
  const header = lines.slice(
    0,
    lines.findIndex((l) => l.startsWith('{"_index"')),
  );
  const body = lines.slice(header.length);
  for (let i = body.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  const counts = Object.fromEntries(indices.map((n) => [n, docs.get(n)?.size ?? 0]));
  const trailer = o.trailer === false ? [] : [JSON.stringify({ meta: 'end', documents: counts })];
  return { text: [...header, ...body, ...trailer, ''].join('\n'), docs };
}

const runLoad = (engine: SearchEngine, args: string[], stdin?: string | Buffer, dir?: string) =>
  runProgram('load', args, { env: proxyEnv(engine), stdin, dir });

const done = (r: ProgramRun) => r.lines.find((l) => l.msg === 'load done');

const engines = availableEngines().map((e) => [`${e.kind} ${e.version}`, e] as const);

describe.each(engines)('restore into %s', (_name, { kind, version }) => {
  let engine: SearchEngine;
  const es6 = kind === 'elasticsearch' && version.startsWith('6.');
  const composable = kind === 'opensearch' || !version.startsWith('6.');

  async function api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T; body: string }> {
    const res = await engineRequest(engine.url, method, path, body === undefined ? {} : { body });
    return { status: res.status, json: res.json as T, body: res.body };
  }

  async function deleteIndices(...names: string[]) {
    for (const n of names) await api('DELETE', `/${encodeURIComponent(n)}`);
  }

  /** Every document of an index: id → routing and source, plus the raw answer text. */
  async function allDocs(index: string): Promise<{ docs: Map<string, Doc>; raw: string }> {
    const res = await api<{
      hits: { hits: Array<{ _id: string; _routing?: string; _source: Record<string, unknown> }> };
    }>('GET', `/${index}/_search?size=10000`, { query: { match_all: {} } });
    expect(res.status).toBe(200);
    return {
      docs: new Map(res.json.hits.hits.map((h) => [h._id, { routing: h._routing, source: h._source }])),
      raw: res.body,
    };
  }

  async function expectDocs(expected: Map<string, Doc>, index: string) {
    const { docs, raw } = await allDocs(index);
    expect(docs.size).toBe(expected.size);
    for (const [id, want] of expected) {
      const got = docs.get(id);
      expect(got, `document ${id}`).toBeDefined();
      expect(got!.routing).toBe(want.routing);
      // `big` is compared on the raw answer below (JSON.parse rounds it)
      if (id !== 'big') expect(got!.source).toEqual(want.source);
    }
    return raw;
  }

  beforeAll(async () => {
    // A write queue of 2 makes the engine answer 429 as soon as bulks pile up.
    engine = await startSearchEngine(kind, version, {
      extraSettings: { 'thread_pool.write.queue_size': '2' },
    });
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('restores a stream over TLS with basic auth: documents, mappings, settings, aliases, templates, counts', async () => {
    const data = buildStream({ kind, version });
    const r = await runLoad(engine, [], data.text);
    expect(r.stderr).not.toContain(engine.secure.password);
    expect(r.code, r.stderr).toBe(0);
    expect(done(r)).toMatchObject({ documents: 1302, indices: 3 });

    const raw = await expectDocs(data.docs.get('shop-orders')!, 'shop-orders');
    // the big integer arrives as its exact text: the source was never re-serialised
    expect(raw).toContain(`"n":${BIG}`);
    await expectDocs(data.docs.get('events-2024')!, 'events-2024');
    expect((await api<{ count: number }>('GET', '/empty-idx/_count')).json.count).toBe(0);

    const settings = await api<Record<string, { settings: { index: Record<string, unknown> } }>>(
      'GET',
      '/shop-orders/_settings',
    );
    expect(settings.json['shop-orders']!.settings.index).toMatchObject({
      number_of_shards: '3',
      number_of_replicas: '1',
      refresh_interval: '7s',
      max_result_window: '20000',
      analysis: { analyzer: { my_std: { type: 'standard', stopwords: '_english_' } } },
    });
    const events = (
      await api<Record<string, { settings: { index: Record<string, unknown> } }>>(
        'GET',
        '/events-2024/_settings',
      )
    ).json['events-2024']!.settings.index;
    expect(events).toMatchObject({ number_of_shards: '2', number_of_replicas: '0' });
    // no refresh interval was saved: the default is back, not the load's -1
    expect(events.refresh_interval).toBeUndefined();

    const mapping = await api<Record<string, { mappings: Record<string, unknown> }>>(
      'GET',
      '/shop-orders/_mapping',
    );
    const m = mapping.json['shop-orders']!.mappings;
    expect(es6 ? m._doc : m).toEqual(shopMappings);

    const aliases = await api<Record<string, { aliases: Record<string, unknown> }>>(
      'GET',
      '/shop-orders/_alias',
    );
    expect(aliases.json['shop-orders']!.aliases).toEqual({
      shop: {},
      'shop-red': { filter: { term: { tag: 'red' } }, index_routing: 'r1', search_routing: 'r1' },
    });
    const red = await api<{ hits: { hits: Array<{ _source: { tag: string } }> } }>(
      'GET',
      '/shop-red/_search?size=1000',
      {
        query: { match_all: {} },
      },
    );
    expect(red.json.hits.hits.length).toBe(100);
    expect(red.json.hits.hits.every((h) => h._source.tag === 'red')).toBe(true);
    // the analyzer is the saved one (stopwords): "the" finds nothing, "fox" everything
    const the = await api<{ count: number }>('GET', '/shop-orders/_count', {
      query: { match: { title: 'the' } },
    });
    expect(the.json.count).toBe(0);

    const legacy = await api<Record<string, Record<string, unknown>>>('GET', '/_template/stowage-legacy');
    expect(legacy.json['stowage-legacy']).toMatchObject({
      order: 3,
      index_patterns: ['legacy-*'],
      aliases: { 'legacy-all': {} },
    });
    if (composable) {
      const it = await api<{
        index_templates: Array<{ name: string; index_template: Record<string, unknown> }>;
      }>('GET', '/_index_template/stowage-it');
      expect(it.json.index_templates[0]!.index_template).toMatchObject({
        index_patterns: ['it-*'],
        composed_of: ['stowage-ct'],
      });
      expect((await api('GET', '/_component_template/stowage-ct')).status).toBe(200);
    }
    // progress and stats are JSON lines
    expect(r.lines.some((l) => l.msg === 'document counts match')).toBe(true);
  });

  it('refuses an index that exists before changing anything; --delete-existing replaces it', async () => {
    // a marker the refused load must leave alone
    await api('PUT', '/events-2024/_doc/marker?refresh=true', { msg: 'marker' });
    const data = buildStream({ kind, version }, { extraIndex: 'brand-new', shopDocs: 20, eventDocs: 20 });
    const refused = await runLoad(engine, [], data.text);
    expect(refused.code).toBe(1);
    const error = refused.stderr.split('\n').find((l) => l.startsWith('error: '));
    expect(error).toMatch(
      /refusing to restore: index "shop-orders" already exists; index "events-2024" already exists; index "empty-idx" already exists\. Nothing was changed\./,
    );
    expect((await api('GET', '/brand-new')).status).toBe(404);
    expect((await api('GET', '/events-2024/_doc/marker')).status).toBe(200);
    expect((await api<{ count: number }>('GET', '/events-2024/_count')).json.count).toBe(1001);

    const replaced = await runLoad(engine, ['--delete-existing'], data.text);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await api('GET', '/events-2024/_doc/marker')).status).toBe(404);
    await expectDocs(data.docs.get('shop-orders')!, 'shop-orders');
    await expectDocs(data.docs.get('events-2024')!, 'events-2024');
    expect((await api<{ count: number }>('GET', '/brand-new/_count')).json.count).toBe(1);

    // multielasticdump's spelling, and a subset: only events-2024 is touched
    const subset = await runLoad(
      engine,
      ['--delete=true', '--include=events-*', '--parallel=2', '--scrollTime=10m'],
      data.text,
    );
    expect(subset.code, subset.stderr).toBe(0);
    expect(subset.lines).toContainEqual({
      level: 'warn',
      msg: 'ignoring flag --scrollTime: the Stowage restore does not use it',
    });
    expect(done(subset)).toMatchObject({ indices: 1, documents: 20, skippedDocuments: 23 });
  });

  it('fails a stream without its trailer, naming what it left behind', async () => {
    await deleteIndices('shop-orders', 'events-2024', 'empty-idx', 'brand-new');
    const data = buildStream({ kind, version }, { trailer: false, templates: false });
    const r = await runLoad(engine, ['--concurrency=2'], data.text);
    expect(r.code).toBe(1);
    const error = r.stderr.split('\n').find((l) => l.startsWith('error: '));
    expect(error).toMatch(/without its trailer record: the backup was cut short/);
    expect(error).toMatch(
      /Indices left as created for the load \(0 replicas, refresh off, no aliases\): "shop-orders" \(302 documents\), "events-2024" \(1000 documents\), "empty-idx" \(0 documents\); delete them, or restore again with --delete-existing/,
    );
    expect(r.stderr.trim().split('\n').at(-1)).toBe(error);
    // a half-written last line is not loaded either
    const cut = data.text.slice(0, data.text.lastIndexOf('"_source":') + 15);
    const r2 = await runLoad(engine, ['--delete-existing'], cut);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/error: .*cut short/);
  });

  it('retries bulks the engine rejects with 429 until every document is in', async () => {
    await deleteIndices('shop-orders', 'events-2024', 'empty-idx');
    const data = buildStream({ kind, version }, { shopDocs: 3000, eventDocs: 12_000, templates: false });
    const r = await runLoad(engine, ['--concurrency=48', '--bulk-bytes=16k'], data.text);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const stats = done(r)!;
    expect(stats.documents).toBe(15_002);
    expect(Number(stats.retriedItems) + Number(stats.retriedRequests)).toBeGreaterThan(0);
    expect((await api<{ count: number }>('GET', '/events-2024/_count')).json.count).toBe(12_000);
    expect((await api<{ count: number }>('GET', '/shop-orders/_count')).json.count).toBe(3002);
  });

  it("restores multielasticdump's folder layout (real sample)", async () => {
    // One sample per engine line: OpenSearch's (2.x) serves 3.x too.
    const line = kind === 'opensearch' ? 'opensearch-' : `elasticsearch-${version.split('.')[0]}.`;
    const sample = readdirSync(FIXTURES).find((d) => d.startsWith(line));
    expect(sample, `a multielasticdump sample ${line}* in ${FIXTURES}`).toBeDefined();
    const dir = join(FIXTURES, sample!);
    await deleteIndices('shop-orders', 'events-2024', 'empty-idx', 'other-idx');
    const r = await runLoad(engine, ['--delete-existing'], undefined, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(done(r)).toMatchObject({ documents: 5, indices: 2 });
    const { docs } = await allDocs('shop-orders');
    expect([...docs.keys()].sort()).toEqual(['1', '2', '4', 'weird/id é+?']);
    expect(docs.get('1')!.routing).toBe('r1');
    expect(docs.get('1')!.source).toMatchObject({ title: 'The red fox' });
    const aliases = await api<Record<string, { aliases: Record<string, unknown> }>>(
      'GET',
      '/shop-orders/_alias',
    );
    expect(Object.keys(aliases.json['shop-orders']!.aliases).sort()).toEqual(['shop', 'shop-red']);
    const s = (
      await api<Record<string, { settings: { index: Record<string, unknown> } }>>(
        'GET',
        '/shop-orders/_settings',
      )
    ).json['shop-orders']!.settings.index;
    expect(s).toMatchObject({ number_of_shards: '2', refresh_interval: '7s', max_result_window: '20000' });
    expect((await api('GET', '/_template/stowage-legacy')).status).toBe(200);
  });

  it('restores a folder the real multielasticdump wrote, with equal documents', async () => {
    await deleteIndices('shop-orders', 'events-2024', 'empty-idx', 'other-idx');
    const data = buildStream({ kind, version }, { shopDocs: 200, eventDocs: 300 });
    const loaded = await runLoad(engine, [], data.text);
    expect(loaded.code, loaded.stderr).toBe(0);
    const before = (await allDocs('shop-orders')).docs;
    const dir = await mkdtemp(join(tmpdir(), 'stowage-mdump-'));
    const access = await elasticdumpAccess(engine);
    try {
      await runMultielasticdump({
        direction: 'dump',
        input: access.url,
        output: dir,
        auth: access.auth,
        caFile: access.caFile,
        extraArgs: [
          '--match=^(shop-orders|events-2024)$',
          '--includeType=data,mapping,alias,settings,template',
          '--limit=1000',
        ],
      });
      await deleteIndices('shop-orders', 'events-2024', 'empty-idx');
      const r = await runLoad(engine, [], undefined, dir);
      expect(r.code, r.stderr).toBe(0);
      expect(done(r)).toMatchObject({ documents: 502, indices: 2 });
      const after = (await allDocs('shop-orders')).docs;
      expect(after.size).toBe(before.size);
      for (const [id, d] of before) {
        expect(after.get(id)?.routing, id).toBe(d.routing);
        if (id !== 'big') expect(after.get(id)?.source, id).toEqual(d.source);
      }
      await expectDocs(data.docs.get('events-2024')!, 'events-2024');
      const aliases = await api<Record<string, { aliases: Record<string, unknown> }>>(
        'GET',
        '/shop-orders/_alias',
      );
      expect(aliases.json['shop-orders']!.aliases).toMatchObject({ 'shop-red': { index_routing: 'r1' } });
    } finally {
      await access.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The addon as the in-job steps run it, on this engine: dump → restic → load, also through a
  // folder (./contract.ts); its data set is its own (`contract-*`).
  addonContract(`${kind} ${version}`, createElasticsearchAddon({ name: kind }), () =>
    Promise.resolve(searchUnderTest(engine)),
  );
});
