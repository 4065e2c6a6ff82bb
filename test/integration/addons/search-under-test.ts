/**
 * An Elasticsearch/OpenSearch engine as the addon contract (./contract.ts) wants it: an AppBinding
 * that reaches the engine through its TLS + basic-auth proxy, and a small data set of its own
 * (`contract-*`: shards, analysis, a mapping with a nested field, a filtered and routed alias,
 * routed documents, an odd `_id`, an integer above 2^53, an empty index, a legacy template) that
 * the round trip must bring back. The targets select only that data set (`--include=contract-*`),
 * so the contract runs on a cluster that holds other indices too.
 */
import type { AppBinding } from '../../../src/api/index.ts';
import type { AddonTarget } from '../../../src/addons/addon.ts';
import { engineRequest, type SearchEngine } from '../../harness/search-engine.ts';
import type { AddonUnderTest } from './contract.ts';
import { engineCall } from './engine-call.ts';

const ORDERS = 'contract-orders';
const EMPTY = 'contract-empty';
const TEMPLATE = 'contract-legacy';
/** An index whose result window is smaller than any page a dump asks for: its dump fails. */
const TINY_WINDOW = 'failing-tiny-window';
const BIG = '9007199254740993';

export function searchUnderTest(engine: SearchEngine): AddonUnderTest {
  const es6 = engine.kind === 'elasticsearch' && engine.version.startsWith('6.');
  const call = (method: string, path: string, body?: unknown) => engineCall(engine, method, path, body);
  const typed = (mapping: Record<string, unknown>) => (es6 ? { _doc: mapping } : mapping);
  const bulk = (index: string, docs: Array<{ id: string; routing?: string; source: string }>) => {
    const lines = docs.map((d) => {
      const action = {
        _index: index,
        _id: d.id,
        ...(es6 ? { _type: '_doc' } : {}),
        ...(d.routing ? { routing: d.routing } : {}),
      };
      return `${JSON.stringify({ index: action })}\n${d.source}\n`;
    });
    return call('POST', '/_bulk?refresh=true', lines.join(''));
  };
  const target = (scratchDir: string, password = engine.secure.password, args = ['--include=contract-*']) =>
    searchTarget(engine, scratchDir, password, args);

  return {
    target: (dir) => target(dir),
    badCredentials: (dir) => target(dir, `${engine.secure.password}x`),
    failingDump: async (dir) => {
      await call('PUT', `/${TINY_WINDOW}`, { settings: { number_of_replicas: 0, max_result_window: 5 } });
      await bulk(
        TINY_WINDOW,
        Array.from({ length: 20 }, (_, n) => ({ id: `t${n}`, source: `{"n":${n}}` })),
      );
      return {
        target: target(dir, engine.secure.password, [`--include=${TINY_WINDOW}`]),
        // The cluster refuses the first page, larger than the index's result window (Elasticsearch
        // 6 answers that with a 500).
        failure: /_search → HTTP (400|500) search_phase_execution_exception/,
      };
    },
    refusal: /error: .*HTTP 401.*check the user name and password/,
    async seed() {
      await call('PUT', `/${ORDERS}`, {
        settings: {
          number_of_shards: 2,
          number_of_replicas: 0,
          analysis: {
            analyzer: { folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] } },
          },
        },
        mappings: typed({
          properties: {
            title: { type: 'text', analyzer: 'folded' },
            tag: { type: 'keyword' },
            n: { type: 'long' },
            items: { type: 'nested', properties: { sku: { type: 'keyword' } } },
          },
        }),
        aliases: { orders: {}, 'orders-red': { filter: { term: { tag: 'red' } }, routing: 'r1' } },
      });
      const docs = Array.from({ length: 300 }, (_, n) => ({
        id: `o-${n}`,
        ...(n % 3 === 0 ? { routing: 'r1' } : {}),
        source: JSON.stringify({
          title: `Order ${n} grüße "q"`,
          tag: n % 3 === 0 ? 'red' : 'blue',
          n,
          items: [{ sku: `s${n}` }],
        }),
      }));
      docs.push({ id: 'weird/id é+?', source: '{"title":"odd id","tag":"blue","n":-1,"items":[]}' });
      docs.push({ id: 'big', source: `{"title":"big","tag":"blue","n":${BIG},"items":[]}` });
      await bulk(ORDERS, docs);
      await call('PUT', `/${EMPTY}`, { settings: { number_of_shards: 1, number_of_replicas: 0 } });
      await call('PUT', `/_template/${TEMPLATE}`, {
        index_patterns: ['contract-later-*'],
        order: 5,
        settings: { number_of_shards: 1 },
        aliases: { 'contract-later': {} },
      });
    },
    async contents() {
      const indices = await engineRequest(engine.url, 'GET', `/${ORDERS},${EMPTY}?ignore_unavailable=true`);
      const template = await engineRequest(engine.url, 'GET', `/_template/${TEMPLATE}`);
      const hits = await call('POST', `/${ORDERS},${EMPTY}/_search?size=1000&ignore_unavailable=true`, {
        query: { match_all: {} },
      });
      const docs = (
        hits.json as {
          hits: { hits: Array<{ _index: string; _id: string; _routing?: string; _source: unknown }> };
        }
      ).hits.hits
        .map((h) => ({ index: h._index, id: h._id, routing: h._routing, source: h._source }))
        .sort((a, b) => `${a.index}/${a.id}`.localeCompare(`${b.index}/${b.id}`));
      // The big integer's digits, which a JSON.parse of the answer would round.
      const big = await engineRequest(
        engine.url,
        'POST',
        `/${ORDERS}/_search?filter_path=hits.hits._source.n&ignore_unavailable=true`,
        {
          body: { query: { ids: { values: ['big'] } } },
        },
      );
      return {
        indices: Object.fromEntries(
          Object.entries((indices.json ?? {}) as Record<string, IndexAnswer>).map(([name, i]) => [
            name,
            comparable(i),
          ]),
        ),
        template: template.status === 200 ? template.json : undefined,
        docs,
        big: big.body,
      };
    },
    async drop() {
      await engineRequest(engine.url, 'DELETE', `/${ORDERS},${EMPTY}?ignore_unavailable=true`);
      await engineRequest(engine.url, 'DELETE', `/_template/${TEMPLATE}`);
    },
    cleanup: async () => {
      await engineRequest(engine.url, 'DELETE', `/${ORDERS},${EMPTY},${TINY_WINDOW}?ignore_unavailable=true`);
    },
  };
}

interface IndexAnswer {
  aliases: unknown;
  mappings: unknown;
  settings: { index: Record<string, unknown> };
}

/** What a restore must bring back of an index: not its uuid, creation date or version. */
function comparable(i: IndexAnswer): unknown {
  const { number_of_shards, number_of_replicas, analysis } = i.settings.index;
  return {
    aliases: i.aliases,
    mappings: i.mappings,
    settings: { number_of_shards, number_of_replicas, analysis },
  };
}

function searchTarget(
  engine: SearchEngine,
  scratchDir: string,
  password: string,
  args: string[],
): AddonTarget {
  const appBinding: AppBinding = {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: { name: 'search', namespace: 'demo' },
    spec: {
      type: `kubedb.com/${engine.kind}`,
      version: engine.version,
      clientConfig: { url: engine.secure.url, caBundle: Buffer.from(engine.secure.caPem).toString('base64') },
      secret: { kind: 'Secret', name: 'search-auth' },
    },
  };
  return {
    appBinding,
    credentials: { username: engine.secure.username, password },
    args,
    params: {},
    scratchDir,
  };
}
