/**
 * The search-engine peers (test/harness/search-engine.ts) against every pinned OpenSearch and
 * Elasticsearch line: documents indexed and searched over plain HTTP and over the TLS + basic-auth
 * proxy, the proxy's refusals (wrong or no password, untrusted CA, wrong host name), and the read
 * paths a dump needs: sliced scroll, and point-in-time with slices and search_after. What each
 * engine supports is asserted against the matrix in docs/search-engines.md and printed at the end.
 */
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availableEngines,
  engineRequest,
  startSearchEngine,
  type EngineKind,
  type HttpResult,
  type SearchEngine,
} from '../../harness/search-engine.ts';

const DOCS = 60;
const SHARDS = 3;
const INDEX = 'stowage-docs';

interface Features {
  startupMs: number;
  /** `GET /` answers (the 8.10+ Elasticsearch integ-test zips have no rest-root module). */
  rootEndpoint: boolean;
  /** Responses carry `X-Elastic-Product: Elasticsearch` (what the official JS client checks). */
  productHeader: boolean;
  /** `GET /<index>/_mapping` nests properties under a type name (`_doc`). */
  typedMappings: boolean;
  slicedScroll: boolean;
  /** The PIT open endpoint that answered, or null. */
  pit: string | null;
  pitSlice: boolean;
  /** Sorting a PIT search on the `_shard_doc` tiebreaker works. */
  pitShardDoc: boolean;
  /**
   * One slice per shard (max = number_of_shards) sorted on `_doc` pages completely with
   * search_after: the way to a consistent parallel read where `_shard_doc` is missing.
   */
  pitSlicePerShardDoc: boolean;
}

/** What we measured (docs/search-engines.md); a change fails the test so the docs stay true. */
function expected(kind: EngineKind, major: number): Omit<Features, 'startupMs'> {
  if (kind === 'opensearch') {
    return {
      rootEndpoint: true,
      productHeader: false,
      typedMappings: false,
      slicedScroll: true,
      pit: '/<index>/_search/point_in_time',
      pitSlice: true,
      pitShardDoc: major >= 3,
      pitSlicePerShardDoc: true,
    };
  }
  return {
    rootEndpoint: major < 8,
    productHeader: major >= 7,
    typedMappings: major < 7,
    slicedScroll: true,
    pit: major >= 7 ? '/<index>/_pit' : null,
    pitSlice: major >= 7,
    pitShardDoc: major >= 7,
    pitSlicePerShardDoc: major >= 7,
  };
}

const engines = availableEngines();
const matrix: Record<string, Features> = {};

afterAll(() => {
  if (Object.keys(matrix).length > 0) console.table(matrix);
});

// availableEngines() has thrown already if a pinned engine has no JDK here.
it('covers every line docs/search-engines.md promises', () => {
  expect(engines.map((e) => `${e.kind} ${e.major}`)).toEqual([
    'opensearch 2',
    'opensearch 3',
    'elasticsearch 6',
    'elasticsearch 7',
    'elasticsearch 8',
  ]);
});

describe.each(engines)('$name', ({ kind, version, major }) => {
  const features: Partial<Features> = {};
  let engine: SearchEngine;

  /** A request on the plain endpoint that must succeed. */
  const call = async (method: string, path: string, body?: unknown): Promise<HttpResult> => {
    const contentType = typeof body === 'string' ? 'application/x-ndjson' : undefined;
    const res = await engineRequest(engine.url, method, path, { body, contentType });
    if (res.status < 200 || res.status > 299) {
      throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 2000)}`);
    }
    return res;
  };

  beforeAll(async () => {
    engine = await startSearchEngine(kind, version);
    features.startupMs = engine.startupMs.engine;
    console.log(
      `${kind} ${version}: ready in ${engine.startupMs.engine} ms, proxy ${engine.startupMs.proxy} ms`,
    );
  });
  afterAll(async () => {
    matrix[`${kind} ${version}`] = features as Features;
    await engine?.stop();
  });

  it('runs the pinned version on loopback', async () => {
    expect(new URL(engine.url).hostname).toBe('127.0.0.1');
    const nodes = (await call('GET', '/_nodes/_local?filter_path=nodes.*.version')).json as {
      nodes: Record<string, { version: string }>;
    };
    expect(Object.values(nodes.nodes).map((n) => n.version)).toEqual([version]);
    const root = await engineRequest(engine.url, 'GET', '/');
    features.rootEndpoint = root.status === 200;
    features.productHeader = root.headers['x-elastic-product'] === 'Elasticsearch';
    if (features.rootEndpoint) {
      const info = root.json as { version: { number: string; distribution?: string } };
      expect(info.version.number).toBe(version);
      expect(info.version.distribution === 'opensearch').toBe(kind === 'opensearch');
    }
    // The header is on every response where it exists, not only on GET /.
    const health = await engineRequest(engine.url, 'GET', '/_cluster/health');
    features.productHeader = health.headers['x-elastic-product'] === 'Elasticsearch';
  });

  it('indexes documents and searches them over plain http', async () => {
    const properties = { n: { type: 'integer' }, tag: { type: 'keyword' }, text: { type: 'text' } };
    await call('PUT', `/${INDEX}`, {
      settings: { number_of_shards: SHARDS, number_of_replicas: 0 },
      mappings: major < 7 && kind === 'elasticsearch' ? { _doc: { properties } } : { properties },
    });
    const meta = major < 7 && kind === 'elasticsearch' ? { _type: '_doc' } : {};
    const bulk = Array.from({ length: DOCS }, (_, n) =>
      [
        JSON.stringify({ index: { _index: INDEX, _id: `doc-${n}`, ...meta } }),
        JSON.stringify({ n, tag: n % 2 === 0 ? 'even' : 'odd', text: `grüße ✓ ${n} "quoted"\n` }),
      ].join('\n'),
    ).join('\n');
    const res = await call('POST', '/_bulk?refresh=true', `${bulk}\n`);
    expect((res.json as { errors: boolean }).errors).toBe(false);

    const mapping = (await call('GET', `/${INDEX}/_mapping`)).json as Record<
      string,
      { mappings: Record<string, unknown> }
    >;
    features.typedMappings = !('properties' in mapping[INDEX]!.mappings);

    const found = await search(engineRequest(engine.url, 'POST', `/${INDEX}/_search`, { body: evenQuery }));
    expect(found.total).toBe(DOCS / 2);
    expect(found.ids).toEqual(evenIds());
  });

  it('serves the same search over https with basic auth, verified against the CA', async () => {
    const { url, username, password, caPem, caFile } = engine.secure;
    expect(new URL(url).protocol).toBe('https:');
    expect(await readFile(caFile, 'utf8')).toBe(caPem);
    const found = await search(
      engineRequest(url, 'POST', `/${INDEX}/_search`, {
        body: evenQuery,
        auth: { username, password },
        ca: caPem,
      }),
    );
    expect(found.total).toBe(DOCS / 2);
    expect(found.ids).toEqual(evenIds());
    // The host name in the certificate: localhost is in it, another name is not.
    expect(await tlsProbe(url, caPem, 'localhost')).toBe('ok');
    expect(await tlsProbe(url, caPem, 'elsewhere.example')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses a wrong password and a missing one with 401', async () => {
    const { url, username, password, caPem } = engine.secure;
    const wrong = await engineRequest(url, 'GET', '/_cluster/health', {
      auth: { username, password: `${password}x` },
      ca: caPem,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic /);
    const unknownUser = await engineRequest(url, 'GET', '/_cluster/health', {
      auth: { username: 'elastic', password },
      ca: caPem,
    });
    expect(unknownUser.status).toBe(401);
    const none = await engineRequest(url, 'GET', '/_cluster/health', { ca: caPem });
    expect(none.status).toBe(401);
  });

  it('fails TLS verification for a client that does not trust the CA', async () => {
    const { url, username, password } = engine.secure;
    const err = await engineRequest(url, 'GET', '/_cluster/health', { auth: { username, password } }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER/,
    );
  });

  it('reads every document exactly once with a sliced scroll', async () => {
    const slices = await Promise.all(
      Array.from({ length: SHARDS }, async (_, id) => {
        const ids: string[] = [];
        let page = (
          await call('POST', `/${INDEX}/_search?scroll=1m`, {
            slice: { id, max: SHARDS },
            sort: ['_doc'],
            size: 7,
          })
        ).json as ScrollPage;
        const scrollIds = new Set<string>();
        while (page.hits.hits.length > 0) {
          ids.push(...page.hits.hits.map((h) => h._id));
          scrollIds.add(page._scroll_id);
          page = (await call('POST', '/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id }))
            .json as ScrollPage;
        }
        scrollIds.add(page._scroll_id);
        await call('DELETE', '/_search/scroll', { scroll_id: [...scrollIds] });
        return ids;
      }),
    );
    expectPartition(slices);
    features.slicedScroll = true;
  });

  it('reads a point in time with slices and search_after, where the engine has one', async () => {
    const open =
      kind === 'opensearch'
        ? { path: `/${INDEX}/_search/point_in_time?keep_alive=1m`, label: '/<index>/_search/point_in_time' }
        : { path: `/${INDEX}/_pit?keep_alive=1m`, label: '/<index>/_pit' };
    const opened = await engineRequest(engine.url, 'POST', open.path);
    if (opened.status !== 200) {
      features.pit = null;
      features.pitSlice = false;
      features.pitShardDoc = false;
      features.pitSlicePerShardDoc = false;
      expect(expected(kind, major).pit).toBeNull();
      return;
    }
    features.pit = open.label;
    const pitId =
      (opened.json as { id?: string; pit_id?: string }).id ?? (opened.json as { pit_id: string }).pit_id;
    expect(pitId).toBeTruthy();

    // A write after the PIT opened must not show in it.
    await call('PUT', `/${INDEX}/_doc/late?refresh=true`, { n: DOCS, tag: 'even', text: 'late' });

    const probe = await engineRequest(engine.url, 'POST', '/_search', {
      body: { pit: { id: pitId, keep_alive: '1m' }, size: 1, sort: [{ _shard_doc: 'asc' }] },
    });
    features.pitShardDoc = probe.status === 200;
    const shardDocOrN = features.pitShardDoc ? [{ _shard_doc: 'asc' }] : [{ n: 'asc' }];

    const readSlice = async (
      slice?: { id: number; max: number },
      sort: unknown[] = shardDocOrN,
    ): Promise<string[]> => {
      const ids: string[] = [];
      let after: unknown[] | undefined;
      for (;;) {
        const res = await call('POST', '/_search', {
          pit: { id: pitId, keep_alive: '1m' },
          size: 7,
          sort,
          ...(slice ? { slice } : {}),
          ...(after ? { search_after: after } : {}),
        });
        const hits = (res.json as { hits: { hits: Array<{ _id: string; sort: unknown[] }> } }).hits.hits;
        if (hits.length === 0) return ids;
        ids.push(...hits.map((h) => h._id));
        after = hits.at(-1)!.sort;
      }
    };

    const sliced = await Promise.all(
      Array.from({ length: SHARDS }, (_, id) => readSlice({ id, max: SHARDS }).catch((e: Error) => e)),
    );
    const failed = sliced.find((s) => s instanceof Error);
    features.pitSlice = failed === undefined;
    if (failed) {
      console.log(`${kind} ${version}: PIT + slice failed: ${failed.message.slice(0, 300)}`);
      expectPartition([await readSlice()]);
    } else {
      expectPartition(sliced as string[][]);
    }

    // Without a tiebreaker: `_doc` is unique within a shard only, so only one shard per slice works.
    const perShard = await Promise.all(
      Array.from({ length: SHARDS }, (_, id) => readSlice({ id, max: SHARDS }, ['_doc']).catch(() => [])),
    );
    const perShardIds = perShard.flat();
    features.pitSlicePerShardDoc = perShardIds.length === DOCS && new Set(perShardIds).size === DOCS;

    const closed =
      kind === 'opensearch'
        ? await engineRequest(engine.url, 'DELETE', '/_search/point_in_time', { body: { pit_id: [pitId] } })
        : await engineRequest(engine.url, 'DELETE', '/_pit', { body: { id: pitId } });
    expect(closed.status).toBe(200);
  });

  it('supports what docs/search-engines.md says it does', () => {
    const { startupMs: _startup, ...measured } = features as Features;
    expect(measured).toEqual(expected(kind, major));
  });
});

const evenQuery = { query: { term: { tag: 'even' } }, sort: [{ n: 'asc' }], size: DOCS };

function evenIds(): string[] {
  return Array.from({ length: DOCS / 2 }, (_, i) => `doc-${i * 2}`);
}

interface ScrollPage {
  _scroll_id: string;
  hits: { hits: Array<{ _id: string }> };
}

/** Total hits (a number before 7.0, `{ value }` since) and the ids, in response order. */
async function search(pending: Promise<HttpResult>): Promise<{ total: number; ids: string[] }> {
  const res = await pending;
  if (res.status !== 200) throw new Error(`search: HTTP ${res.status}: ${res.body.slice(0, 2000)}`);
  const hits = (res.json as { hits: { total: number | { value: number }; hits: Array<{ _id: string }> } })
    .hits;
  return {
    total: typeof hits.total === 'number' ? hits.total : hits.total.value,
    ids: hits.hits.map((h) => h._id),
  };
}

/** The slices are disjoint and together hold exactly the indexed documents. */
function expectPartition(slices: string[][]): void {
  const all = slices.flat();
  expect(new Set(all).size).toBe(all.length);
  expect(all.sort()).toEqual(Array.from({ length: DOCS }, (_, n) => `doc-${n}`).sort());
  if (slices.length > 1) expect(slices.filter((s) => s.length > 0).length).toBeGreaterThan(1);
}

/** 'ok' when a TLS handshake with this SNI/host name verifies against `ca`, else the error code. */
function tlsProbe(url: string, ca: string, servername: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method: 'HEAD', ca, servername, agent: false }, (res) => {
      res.resume();
      resolve('ok');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}
