/**
 * The Elasticsearch/OpenSearch dump program (src/addons/elasticsearch/dump-command.ts) against every
 * engine line the harness can run (test/harness/search-engine.ts), always over the TLS + basic-auth
 * proxy with the CA verified, with its connection in the environment exactly as the addon passes
 * it (connectionEnv). Per engine, one cluster holds:
 * - `shop-orders` (3 shards, analysis, refresh_interval, max_result_window, a mapping with text,
 *   nested and object fields, aliases — one with a filter and routing), documents with custom
 *   routing, non-ASCII text, an odd `_id` and an integer above 2^53;
 * - `other-idx` (2 shards); a hidden index and a dot index, which a default dump skips;
 * - `shrunk`, made by `_shrink`, whose settings carry what the cluster assigned;
 * - a legacy template and, where the engine has them, a composable and a component template.
 * The stream is parsed and checked against what was indexed (id, routing, source bytes), the
 * metadata against what was created (and recreated from the dump), the selection flags, the
 * folder layout (and multielasticdump's load of our folder), the refusal of an
 * untrusted CA (a wrong password is the addon contract's, ./contract.ts), and a consistency check: while a writer indexes and deletes at full
 * speed, the dump must hold exactly the documents of one instant.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionEnv } from '../../../src/addons/elasticsearch/connection.ts';
import {
  FOLDER_MANIFEST_SUFFIX,
  type ArchiveHeader,
  type IndexRecord,
  type TemplateRecord,
  type TrailerRecord,
} from '../../../src/addons/elasticsearch/archive-format.ts';
import { ASSIGNED_SETTINGS } from '../../../src/addons/elasticsearch/index-metadata.ts';
import { runMultielasticdump } from '../../harness/elasticdump.ts';
import { availableEngines, startSearchEngine, type SearchEngine } from '../../harness/search-engine.ts';
import { elasticdumpAccess, engineCall } from './engine-call.ts';
import { runProgram, type ProgramRun } from './search-programs.ts';

const SHOP = 'shop-orders';
const OTHER = 'other-idx';
const SHOP_DOCS = 2500;
const OTHER_DOCS = 700;
const WEIRD_ID = 'weird/id é+? "q"';
const BIG_SOURCE = '{"big":9007199254740993,"note":"2^53 + 1"}';

interface ParsedDoc {
  index: string;
  id: string;
  type: string | undefined;
  routing: string | undefined;
  /** The `_source` exactly as its bytes stand in the line. */
  source: string;
}

interface ParsedStream {
  header: ArchiveHeader;
  templates: TemplateRecord[];
  indices: Map<string, IndexRecord>;
  docs: ParsedDoc[];
  trailer: TrailerRecord;
}

/** Parses a stream and checks its record order and each document line's key order. */
function parseStream(bytes: Buffer): ParsedStream {
  const lines = bytes.toString('utf8').split('\n');
  expect(lines.pop()).toBe('');
  const header = JSON.parse(lines[0]!) as ArchiveHeader;
  expect(header.meta).toBe('header');
  const trailer = JSON.parse(lines.at(-1)!) as TrailerRecord;
  expect(trailer.meta).toBe('end');
  const templates: TemplateRecord[] = [];
  const indices = new Map<string, IndexRecord>();
  const docs: ParsedDoc[] = [];
  for (const line of lines.slice(1, -1)) {
    if (line.startsWith('{"meta":')) {
      expect(docs).toHaveLength(0); // metadata before the first document
      const rec = JSON.parse(line) as TemplateRecord | IndexRecord;
      if (rec.meta === 'template') templates.push(rec);
      else indices.set(rec.name, rec);
      continue;
    }
    expect(line.startsWith('{"_index":')).toBe(true);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const keys = Object.keys(parsed);
    expect(keys.at(-1)).toBe('_source');
    expect(keys.filter((k) => k !== '_type' && k !== '_routing')).toEqual(['_index', '_id', '_source']);
    const at = line.indexOf(',"_source":');
    docs.push({
      index: parsed._index as string,
      id: parsed._id as string,
      type: parsed._type as string | undefined,
      routing: parsed._routing as string | undefined,
      source: line.slice(at + ',"_source":'.length, -1),
    });
  }
  return { header, templates, indices, docs, trailer };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Flat names (`index.analysis.analyzer.x.type`) of nested settings. */
function flatten(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const name = prefix ? `${prefix}.${k}` : k;
    return v && typeof v === 'object' && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, name)
      : [name];
  });
}

const engines = availableEngines();

it('has at least one search engine to dump from', () => {
  expect(engines.length).toBeGreaterThan(0);
});

describe.each(engines.map((e) => ({ ...e, name: `${e.kind} ${e.version}` })))(
  '$name',
  ({ kind, version }) => {
    const major = Number(version.split('.')[0]);
    const es6 = kind === 'elasticsearch' && major < 7;
    const hasHidden = !es6;
    const hasComposable =
      kind === 'opensearch' || major >= 8 || (major === 7 && Number(version.split('.')[1]) >= 8);
    const hasPit =
      kind === 'opensearch' || major >= 8 || (major === 7 && Number(version.split('.')[1]) >= 10);
    let engine: SearchEngine;
    let scratch: string;
    let env: Record<string, string>;
    /** id → { routing, source text } of what was indexed, per index. */
    const indexed = new Map<string, Map<string, { routing: string | undefined; source: string }>>();

    const call = (method: string, path: string, body?: unknown) => engineCall(engine, method, path, body);
    const typed = (properties: Record<string, unknown>) => (es6 ? { _doc: { properties } } : { properties });
    const typeMeta = es6 ? { _type: '_doc' } : {};

    /** Bulk-indexes raw source texts, remembering them. */
    const index = async (name: string, docs: Array<{ id: string; routing?: string; source: string }>) => {
      const seen = indexed.get(name) ?? new Map<string, { routing: string | undefined; source: string }>();
      indexed.set(name, seen);
      for (let i = 0; i < docs.length; i += 1000) {
        const body = docs
          .slice(i, i + 1000)
          .map((d) => {
            seen.set(d.id, { routing: d.routing, source: d.source });
            const action = {
              index: { _index: name, _id: d.id, ...typeMeta, ...(d.routing ? { routing: d.routing } : {}) },
            };
            return `${JSON.stringify(action)}\n${d.source}\n`;
          })
          .join('');
        const res = await call('POST', '/_bulk?refresh=true', body);
        expect((res.json as { errors: boolean }).errors).toBe(false);
      }
    };

    const runDump = (args: string[], options: { env?: Record<string, string>; outputDir?: string } = {}) =>
      runProgram('dump', args, { env: options.env ?? env, dir: options.outputDir });

    const dumpOk = async (args: string[], outputDir?: string): Promise<ProgramRun> => {
      const run = await runDump(args, outputDir ? { outputDir } : {});
      if (run.code !== 0) throw new Error(`dump ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
      return run;
    };

    beforeAll(async () => {
      engine = await startSearchEngine(kind, version);
      scratch = await mkdtemp(join(tmpdir(), 'stowage-es-dump-'));
      const { url, username, password, caPem } = engine.secure;
      env = await connectionEnv({ url, username, password, caPem }, scratch);

      await call('PUT', `/${SHOP}`, {
        settings: {
          number_of_shards: 3,
          number_of_replicas: 0,
          refresh_interval: '7s',
          max_result_window: 20000,
          analysis: {
            analyzer: { my_lower: { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] } },
          },
        },
        mappings: typed({
          title: { type: 'text', analyzer: 'my_lower' },
          tag: { type: 'keyword' },
          n: { type: 'integer' },
          obj: { properties: { a: { type: 'keyword' }, b: { type: 'integer' } } },
          items: { type: 'nested', properties: { sku: { type: 'keyword' } } },
          big: { type: 'long' },
        }),
        aliases: {
          shop: {},
          'shop-red': { filter: { term: { tag: 'red' } }, routing: 'r1' },
        },
      });
      const shopDocs = Array.from({ length: SHOP_DOCS }, (_, n) => ({
        id: `o-${n}`,
        ...(n % 5 === 0 ? { routing: `r${n % 3}` } : {}),
        source: JSON.stringify({
          title: `Order ${n} ✓ grüße "quoted"\n\ttab`,
          tag: n % 2 === 0 ? 'red' : 'blue',
          n,
          obj: { a: `x${n % 7}`, b: n },
          items: [{ sku: `s${n}` }, { sku: `t${n}` }],
          flag: n % 3 === 0,
          nothing: null,
        }),
      }));
      shopDocs.push({ id: WEIRD_ID, routing: 'r1', source: BIG_SOURCE });
      await index(SHOP, shopDocs);

      await call('PUT', `/${OTHER}`, { settings: { number_of_shards: 2, number_of_replicas: 0 } });
      await index(
        OTHER,
        Array.from({ length: OTHER_DOCS }, (_, n) => ({ id: `x-${n}`, source: JSON.stringify({ k: n }) })),
      );

      if (hasHidden) {
        await call('PUT', '/secret-hidden', { settings: { number_of_replicas: 0, 'index.hidden': true } });
        await index('secret-hidden', [{ id: 'h1', source: '{"h":1}' }]);
      }
      await call('PUT', '/.internal', { settings: { number_of_replicas: 0 } });
      await index('.internal', [{ id: 'i1', source: '{"i":1}' }]);

      // An index made by _shrink: its settings hold what the cluster assigned.
      await call('PUT', '/shrink-src', { settings: { number_of_shards: 2, number_of_replicas: 0 } });
      await index(
        'shrink-src',
        Array.from({ length: 10 }, (_, n) => ({ id: `s-${n}`, source: `{"s":${n}}` })),
      );
      await call('PUT', '/shrink-src/_settings', { 'index.blocks.write': true });
      await call('POST', '/shrink-src/_shrink/shrunk', {
        settings: { 'index.number_of_shards': 1, 'index.number_of_replicas': 0, 'index.blocks.write': null },
      });
      await call('GET', '/_cluster/health/shrunk?wait_for_status=green&timeout=60s');
      indexed.set('shrunk', indexed.get('shrink-src')!);

      await call('PUT', '/_template/stowage-legacy', {
        index_patterns: ['legacy-*'],
        order: 3,
        settings: { number_of_shards: 1 },
        mappings: typed({ f: { type: 'keyword' } }),
        aliases: { 'legacy-all': {} },
      });
      if (hasComposable) {
        await call('PUT', '/_component_template/stowage-ct', {
          template: { mappings: { properties: { c: { type: 'keyword' } } } },
          version: 2,
        });
        await call('PUT', '/_index_template/stowage-it', {
          index_patterns: ['composed-*'],
          composed_of: ['stowage-ct'],
          priority: 7,
          template: { settings: { number_of_shards: 1 } },
          _meta: { owner: 'tests' },
        });
        // What the cluster installs itself is skipped.
        await call('PUT', '/_index_template/builtin-like', {
          index_patterns: ['builtin-like-*'],
          priority: 1,
          _meta: { managed: true },
        });
      }
    });

    afterAll(async () => {
      await engine?.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('dumps the selected indices over TLS: documents, metadata, templates, trailer', async () => {
      const run = await dumpOk([]);
      const stream = parseStream(run.stdout);
      const expectedIndices = [OTHER, SHOP, 'shrink-src', 'shrunk'].sort();
      expect(stream.header).toMatchObject({
        stowage: 'elasticsearch-dump',
        format: 1,
        engine: { distribution: kind, version },
        indices: expectedIndices,
      });
      expect([...stream.indices.keys()].sort()).toEqual(expectedIndices);

      // Documents: every one exactly once, with its routing and its source bytes.
      const byIndex = new Map<string, ParsedDoc[]>();
      for (const d of stream.docs) byIndex.set(d.index, [...(byIndex.get(d.index) ?? []), d]);
      for (const name of expectedIndices) {
        const want = indexed.get(name)!;
        const got = byIndex.get(name) ?? [];
        expect(new Set(got.map((d) => d.id)).size).toBe(got.length);
        expect(got.map((d) => d.id).sort()).toEqual([...want.keys()].sort());
        for (const d of got) {
          const w = want.get(d.id)!;
          expect(d.routing).toBe(w.routing);
          expect(sha(d.source)).toBe(sha(w.source));
        }
        expect(stream.trailer.documents[name]).toBe(want.size);
      }
      expect(stream.docs.every((d) => (es6 ? d.type === '_doc' : d.type === undefined))).toBe(true);
      expect(stream.docs.find((d) => d.id === WEIRD_ID)?.source).toContain('9007199254740993');

      // Settings that matter are there, the cluster's own are not.
      const shop = stream.indices.get(SHOP)!;
      const settings = shop.settings as { index: Record<string, unknown> };
      expect(settings.index).toMatchObject({
        number_of_shards: '3',
        number_of_replicas: '0',
        refresh_interval: '7s',
        max_result_window: '20000',
        analysis: {
          analyzer: { my_lower: { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] } },
        },
      });
      for (const rec of stream.indices.values()) {
        for (const name of flatten(rec.settings)) {
          const assigned = ASSIGNED_SETTINGS.some((p) =>
            p.endsWith('.*') ? name.startsWith(p.slice(0, -1)) : name === p,
          );
          expect(assigned, `${rec.name}: ${name}`).toBe(false);
        }
      }
      // Mappings and aliases.
      const props = (es6 ? (shop.mappings._doc as { properties: Record<string, unknown> }) : shop.mappings)
        .properties as Record<string, { type?: string; analyzer?: string }>;
      expect(props.title).toEqual({ type: 'text', analyzer: 'my_lower' });
      expect(props.items?.type).toBe('nested');
      expect(shop.aliases).toEqual({
        shop: {},
        'shop-red': { filter: { term: { tag: 'red' } }, index_routing: 'r1', search_routing: 'r1' },
      });

      // Templates: the user's, not the built-in-like one.
      const names = stream.templates.map((t) => `${t.kind}/${t.name}`);
      expect(names).toContain('legacy/stowage-legacy');
      expect(stream.templates.find((t) => t.name === 'stowage-legacy')?.body).toMatchObject({
        index_patterns: ['legacy-*'],
        order: 3,
        aliases: { 'legacy-all': {} },
      });
      if (hasComposable) {
        expect(names).toEqual(expect.arrayContaining(['component/stowage-ct', 'composable/stowage-it']));
        expect(names.indexOf('component/stowage-ct')).toBeLessThan(names.indexOf('composable/stowage-it'));
        expect(stream.templates.find((t) => t.name === 'stowage-it')?.body).toMatchObject({
          index_patterns: ['composed-*'],
          composed_of: ['stowage-ct'],
          priority: 7,
        });
        expect(names).not.toContain('composable/builtin-like');
        expect(run.stderr).toContain('builtin-like');
      }

      // Progress and summary on stderr; nothing secret.
      const summary = run.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; documents?: number; method?: string })
        .find((l) => l.msg === 'dump complete');
      expect(summary).toMatchObject({
        documents: stream.docs.length,
        method: hasPit ? 'point-in-time' : 'scroll',
      });
      expect(run.stderr).not.toContain(engine.secure.password);
    });

    it('writes settings and mappings a new index accepts', async () => {
      const stream = parseStream(
        (await dumpOk(['--include=shrunk,shop-orders', '--ignoreType=data'])).stdout,
      );
      expect(stream.docs).toHaveLength(0);
      for (const rec of stream.indices.values()) {
        const copy = `recreated-${rec.name}`;
        await call('PUT', `/${copy}`, { settings: rec.settings, mappings: rec.mappings });
        await call('DELETE', `/${copy}`);
      }
    });

    it('selects indices with --match (on names and aliases), --include, --exclude, --include-hidden', async () => {
      const indicesOf = async (args: string[]) =>
        parseStream((await dumpOk([...args, '--ignoreType=data,template'])).stdout).header.indices;
      // KubeDB's own filter, and multielasticdump's matching on aliases.
      expect(await indicesOf(['--match=^(?![.])(?!kubedb-system).+'])).toEqual(
        [OTHER, SHOP, 'shrink-src', 'shrunk'].sort(),
      );
      expect(await indicesOf(['--match=^shop-red$'])).toEqual([SHOP]);
      expect(await indicesOf(['--include=shr*'])).toEqual(['shrink-src', 'shrunk']);
      expect(await indicesOf(['--exclude=shr*,other-*'])).toEqual([SHOP]);
      expect(await indicesOf(['--include=.internal'])).toEqual(['.internal']);
      const all = await indicesOf(['--include-hidden', '--exclude=recreated-*']);
      expect(all).toEqual(
        expect.arrayContaining(['.internal', SHOP, ...(hasHidden ? ['secret-hidden'] : [])]),
      );
    });

    it('accepts multielasticdump flags, warns about the ignored ones, refuses malformed values', async () => {
      const run = await dumpOk([
        '--parallel=2',
        '--limit=50',
        '--includeType=data',
        '--scrollTime=5m',
        '--include=other-idx',
      ]);
      const stream = parseStream(run.stdout);
      expect(stream.docs).toHaveLength(OTHER_DOCS);
      expect(stream.templates).toHaveLength(0);
      expect(stream.indices.get(OTHER)).toMatchObject({ settings: {}, mappings: {}, aliases: {} });
      expect(run.stderr).toContain('--scrollTime');
      expect(run.stderr).toMatch(/"slices":2,"batchSize":50/);

      const bad = await runDump(['--slices=lots', '--includeType=data,bogus']);
      expect(bad.code).toBe(1);
      const last = bad.stderr.trim().split('\n').at(-1)!;
      expect(last).toMatch(/^error: elasticsearch dump args is invalid: --slices: must be a whole number/);
      expect(last).toContain('--includeType: unknown type "bogus"');
      expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });

    it('refuses a server whose CA it does not trust', async () => {
      const { STOWAGE_ES_CA_FILE: _ca, ...withoutCa } = env;
      const run = await runDump([], { env: withoutCa });
      expect(run.code).toBe(1);
      const last = run.stderr.trim().split('\n').at(-1)!;
      expect(last).toMatch(/^error: .*TLS certificate is not trusted/);
      expect(last).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/,
      );
      expect(last).toContain('check the CA bundle');
    });

    it('writes multielasticdump’s folder layout, which multielasticdump loads', async () => {
      const dir = await mkdtemp(join(scratch, 'folder-'));
      const run = await dumpOk([`--include=${SHOP},${OTHER}`], dir);
      expect(run.stdout.length).toBe(0);
      const files = (await readdir(dir)).sort();
      const manifest = `${OTHER}${FOLDER_MANIFEST_SUFFIX}`;
      const perIndex = (i: string) =>
        ['alias', 'mapping', 'settings', 'template'].map((k) => `${i}.${k}.json`);
      expect(files).toEqual(
        [`${OTHER}.json`, ...perIndex(OTHER), manifest, `${SHOP}.json`, ...perIndex(SHOP)].sort(),
      );

      // multielasticdump's load turns every entry into an index name; ours must all map to real ones.
      const asIndex = (f: string) =>
        [
          '.mapping.json',
          '.analyzer.json',
          '.alias.json',
          '.settings.json',
          '.template.json',
          '.json',
        ].reduce((name, suffix) => name.replace(suffix, ''), f);
      expect([...new Set(files.map(asIndex))].sort()).toEqual([OTHER, SHOP]);

      const text = (f: string) => readFile(join(dir, f), 'utf8');
      const lines = (await text(`${SHOP}.json`)).trimEnd().split('\n');
      expect(lines).toHaveLength(SHOP_DOCS + 1);
      expect(new Set(lines.map((l) => (JSON.parse(l) as { _id: string })._id))).toEqual(
        new Set(indexed.get(SHOP)!.keys()),
      );
      const settings = JSON.parse(JSON.parse(await text(`${SHOP}.settings.json`)) as string) as Record<
        string,
        unknown
      >;
      expect(settings).toMatchObject({ [SHOP]: { settings: { index: { number_of_shards: '3' } } } });
      expect(JSON.parse(await text(`${SHOP}.mapping.json`))).toHaveProperty([SHOP, 'mappings']);
      expect(JSON.parse(JSON.parse(await text(`${SHOP}.alias.json`)) as string)).toHaveProperty([
        SHOP,
        'aliases',
        'shop-red',
      ]);
      expect(JSON.parse(await text(`${OTHER}.alias.json`))).toBe('{}');
      expect(JSON.parse(JSON.parse(await text(`${OTHER}.template.json`)) as string)).toHaveProperty(
        'stowage-legacy',
      );
      const meta = (await text(manifest))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { meta: string });
      expect(meta[0]).toMatchObject({ meta: 'header', indices: [OTHER, SHOP] });
      expect(meta.at(-1)).toEqual({ meta: 'end', documents: { [OTHER]: OTHER_DOCS, [SHOP]: SHOP_DOCS + 1 } });
      if (hasComposable) expect(meta.map((m) => (m as { name?: string }).name)).toContain('stowage-it');

      await call('DELETE', `/${SHOP},${OTHER}`);
      const access = await elasticdumpAccess(engine);
      try {
        await runMultielasticdump({
          direction: 'load',
          input: dir,
          output: access.url,
          auth: access.auth,
          caFile: access.caFile,
          extraArgs: ['--includeType=data,mapping,settings,template,alias'],
        });
      } finally {
        await access.close();
      }
      await call('POST', `/${SHOP},${OTHER}/_refresh`);
      const again = parseStream((await dumpOk([`--include=${SHOP},${OTHER}`])).stdout);
      expect(again.trailer.documents).toEqual({ [OTHER]: OTHER_DOCS, [SHOP]: SHOP_DOCS + 1 });
      for (const d of again.docs) {
        const w = indexed.get(d.index)!.get(d.id)!;
        expect(d.routing).toBe(w.routing);
        if (d.id === WEIRD_ID) {
          // elasticdump's load parses the source and turns the big integer into a string.
          expect(String((JSON.parse(d.source) as { big: unknown }).big)).toMatch(/^900719925474099\d$/);
        } else {
          expect(JSON.parse(d.source)).toEqual(JSON.parse(w.source));
        }
      }
      expect(again.indices.get(SHOP)?.aliases).toHaveProperty('shop-red');
    });

    it('dumps exactly the documents of one instant while a writer indexes and deletes', async () => {
      // Two indices, 3 + 2 shards, a base of documents, then a writer that does one operation at a
      // time, each visible when acknowledged (refresh=true): op n indexes w-n (seq n) into cons-a or
      // cons-b, except every 5th, which deletes w-(n-3). The visible set after op k is therefore
      // known exactly; a consistent dump must equal it for one k between the last op acknowledged
      // before the dump started and the last one started before it ended. Two slices for five
      // (index, shard) tasks: tasks start one after the other during the dump, so a read that took
      // its cut per task instead of once (tried: a PIT per task) misses writes and fails.
      for (const [name, shards] of [
        ['cons-a', 3],
        ['cons-b', 2],
      ] as const) {
        await call('PUT', `/${name}`, {
          settings: { number_of_shards: shards, number_of_replicas: 0 },
          mappings: typed({ seq: { type: 'long' } }),
        });
        await index(
          name,
          Array.from({ length: 6000 }, (_, n) => ({ id: `base-${name}-${n}`, source: `{"seq":0,"n":${n}}` })),
        );
      }
      const target = (n: number) => (Math.floor(n / 2) % 2 === 0 ? 'cons-a' : 'cons-b');
      const isDelete = (n: number) => n % 5 === 0;
      let acked = 0;
      let started = 0;
      let stop = false;
      const writer = (async () => {
        for (let n = 1; !stop; n++) {
          started = n;
          if (isDelete(n)) {
            await call('DELETE', `/${target(n - 3)}/_doc/w-${n - 3}?refresh=true`);
          } else {
            await call('PUT', `/${target(n)}/_doc/w-${n}?refresh=true`, { seq: n });
          }
          acked = n;
        }
      })();
      const visibleAfter = (k: number): Set<string> => {
        const ids = new Set<string>();
        for (let n = 1; n <= k; n++) {
          if (isDelete(n)) ids.delete(`w-${n - 3}`);
          else ids.add(`w-${n}`);
        }
        return ids;
      };
      try {
        while (acked < 20) await new Promise((r) => setTimeout(r, 20));
        const check = async (args: string[], exact: boolean) => {
          const low = acked;
          const run = await dumpOk(['--include=cons-*', '--batch-size=100', ...args]);
          const high = started;
          const stream = parseStream(run.stdout);
          const ids = stream.docs.map((d) => d.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids.filter((i) => i.startsWith('base-'))).toHaveLength(12000);
          const written = new Set(ids.filter((i) => i.startsWith('w-')));
          expect(high - low, 'the writer ran during the dump').toBeGreaterThan(10);
          const instants: number[] = [];
          for (let k = low; k <= high; k++) {
            const want = visibleAfter(k);
            if (want.size === written.size && [...want].every((i) => written.has(i))) instants.push(k);
          }
          if (exact) {
            expect(
              instants.length,
              `dump of ${written.size} writer documents, ops ${low}..${high}`,
            ).toBeGreaterThan(0);
          } else {
            // Without a point in time each slice is its own cut. Still: every document visible during
            // the whole dump is in it, and none written after its end.
            const atEnd = visibleAfter(high);
            for (const i of visibleAfter(low)) if (atEnd.has(i)) expect(written.has(i), i).toBe(true);
            for (const i of written) expect(Number(i.slice(2))).toBeLessThanOrEqual(high);
          }
          expect(stream.trailer.documents['cons-a']! + stream.trailer.documents['cons-b']!).toBe(ids.length);
        };
        if (hasPit) {
          await check(['--slices=2'], true);
          // More slices than shards: the shards are split by _seq_no ranges, still one cut.
          await check(['--slices=8'], true);
        } else {
          // One scroll slice is one search over all shards: as consistent as a point in time.
          await check(['--slices=1'], true);
          await check(['--slices=4'], false);
        }
      } finally {
        stop = true;
        await writer;
      }
    });
  },
);
