/**
 * The Elasticsearch bench's dataset: three indices of different sizes and shard counts filled
 * with varied ~1 KB documents (text, keywords, numbers, dates, an object and a nested array; the
 * events index routed by customer), bulk-loaded with concurrent _bulk requests. Deterministic
 * (seeded PRNG), so every run and every engine gets the same documents. Replicas 0 and refresh
 * off while loading, restored and refreshed at the end.
 */
import type { EsClient, EsFlavor } from './es-http.ts';

export interface BenchIndex {
  name: string;
  shards: number;
  /** Share of the documents. */
  share: number;
  /** Documents routed by customer id (custom _routing, kept by a faithful backup). */
  routed: boolean;
}

export const BENCH_INDICES: BenchIndex[] = [
  { name: 'bench-orders', shards: 4, share: 0.5, routed: false },
  { name: 'bench-events', shards: 3, share: 0.35, routed: true },
  { name: 'bench-customers', shards: 2, share: 0.15, routed: false },
];

/** A legacy template, so multielasticdump's default dump works (GET /_template/* is 404 when empty). */
export const BENCH_TEMPLATE = 'bench-archive';

export interface GeneratedDataset {
  docs: number;
  perIndex: Record<string, number>;
  /** Bytes of the _source JSON sent (without bulk action lines). */
  sourceBytes: number;
  /** Primary store size after the load (_cat/indices pri.store.size). */
  storeBytes: number;
  seconds: number;
  docsPerSecond: number;
}

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES =
  'ka lo mi ra ten vu sha pe dor fin gal hex in jo kur lim nav or pix qua ros sel tor uvi wen yal zed'.split(
    ' ',
  );
const VOCAB: string[] = (() => {
  const r = prng(7);
  return Array.from({ length: 3000 }, () => {
    const n = 1 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    return w;
  });
})();
const STATUSES = ['new', 'paid', 'packed', 'shipped', 'delivered', 'returned', 'cancelled'];
const COUNTRIES = ['DE', 'FR', 'NL', 'US', 'GB', 'JP', 'BR', 'IN', 'ES', 'IT', 'PL', 'SE'];
const TIERS = ['free', 'basic', 'pro', 'enterprise'];

const mapping = {
  properties: {
    seq: { type: 'long' },
    title: { type: 'text' },
    body: { type: 'text' },
    tags: { type: 'keyword' },
    status: { type: 'keyword' },
    country: { type: 'keyword' },
    amount: { type: 'double' },
    quantity: { type: 'integer' },
    score: { type: 'float' },
    active: { type: 'boolean' },
    created_at: { type: 'date' },
    updated_at: { type: 'date' },
    customer: {
      properties: {
        id: { type: 'keyword' },
        name: { type: 'text', fields: { raw: { type: 'keyword' } } },
        email: { type: 'keyword' },
        tier: { type: 'keyword' },
      },
    },
    items: {
      type: 'nested',
      properties: { sku: { type: 'keyword' }, qty: { type: 'integer' }, price: { type: 'double' } },
    },
  },
};

function words(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(VOCAB[Math.floor(r() * VOCAB.length)]!);
  return out.join(' ');
}

/** Document `seq` of an index; ~1 KB of JSON on average. */
export function makeDoc(seq: number, salt: number): { id: string; customer: string; json: string } {
  const r = prng(seq * 7919 + salt);
  const customer = `cust-${Math.floor(r() * 20_000)}`;
  const created = Date.UTC(2020, 0, 1) + Math.floor(r() * 5 * 365 * 86_400_000);
  const nItems = 1 + Math.floor(r() * 5);
  const doc = {
    seq,
    title: words(r, 4 + Math.floor(r() * 6)),
    body: words(r, 50 + Math.floor(r() * 60)),
    tags: Array.from({ length: 1 + Math.floor(r() * 4) }, () => VOCAB[Math.floor(r() * 200)]),
    status: STATUSES[Math.floor(r() * STATUSES.length)],
    country: COUNTRIES[Math.floor(r() * COUNTRIES.length)],
    amount: Math.round(r() * 1_000_000) / 100,
    quantity: Math.floor(r() * 50),
    score: Math.round(r() * 1000) / 1000,
    active: r() < 0.8,
    created_at: new Date(created).toISOString(),
    updated_at: new Date(created + Math.floor(r() * 90 * 86_400_000)).toISOString(),
    customer: {
      id: customer,
      name: `${words(r, 1)} ${words(r, 1)}`,
      email: `${customer}@example.com`,
      tier: TIERS[Math.floor(r() * TIERS.length)],
    },
    items: Array.from({ length: nItems }, (_, k) => ({
      sku: `sku-${Math.floor(r() * 100_000)}-${k}`,
      qty: 1 + Math.floor(r() * 9),
      price: Math.round(r() * 50_000) / 100,
    })),
  };
  return {
    id: `${salt.toString(36)}-${seq.toString(36).padStart(6, '0')}`,
    customer,
    json: JSON.stringify(doc),
  };
}

/** How many documents each index gets out of `total`. */
export function splitDocs(total: number): Record<string, number> {
  const out: Record<string, number> = {};
  let left = total;
  BENCH_INDICES.forEach((ix, i) => {
    const n = i === BENCH_INDICES.length - 1 ? left : Math.round(total * ix.share);
    out[ix.name] = n;
    left -= n;
  });
  return out;
}

export async function createIndices(es: EsClient, flavor: EsFlavor): Promise<void> {
  const typed = flavor.kind === 'elasticsearch' && flavor.major < 7;
  for (const ix of BENCH_INDICES) {
    await es.json('PUT', `/${ix.name}`, {
      settings: { number_of_shards: ix.shards, number_of_replicas: 0, refresh_interval: '-1' },
      mappings: typed ? { _doc: mapping } : mapping,
      aliases: { [`${ix.name}-read`]: {} },
    });
  }
  await es.json('PUT', `/_template/${BENCH_TEMPLATE}`, {
    index_patterns: [`${BENCH_TEMPLATE}-*`],
    order: 1,
    settings: { number_of_shards: 1 },
    mappings: typed ? { _doc: mapping } : mapping,
  });
}

export async function deleteIndices(es: EsClient): Promise<void> {
  await es.raw('DELETE', `/${BENCH_INDICES.map((i) => i.name).join(',')}`);
  await es.raw('DELETE', `/_template/${BENCH_TEMPLATE}`);
}

/** Creates the indices and bulk-loads `total` documents with `concurrency` _bulk requests in flight. */
export async function generateDataset(
  es: EsClient,
  flavor: EsFlavor,
  total: number,
  opts: { concurrency: number; batchDocs: number; onProgress?: (done: number) => void },
): Promise<GeneratedDataset> {
  const t0 = performance.now();
  await createIndices(es, flavor);
  const typed = flavor.kind === 'elasticsearch' && flavor.major < 7 ? '"_type":"_doc",' : '';
  const perIndex = splitDocs(total);
  // Batches over all indices, interleaved so every index fills at once.
  const batches: Array<{ index: BenchIndex; salt: number; from: number; to: number }> = [];
  BENCH_INDICES.forEach((index, salt) => {
    const n = perIndex[index.name]!;
    for (let from = 0; from < n; from += opts.batchDocs)
      batches.push({ index, salt: salt + 1, from, to: Math.min(n, from + opts.batchDocs) });
  });
  batches.sort((a, b) => a.from - b.from);
  let next = 0;
  let done = 0;
  let sourceBytes = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const b = batches[next++]!;
      const parts: string[] = [];
      for (let seq = b.from; seq < b.to; seq++) {
        const d = makeDoc(seq, b.salt);
        const routing = b.index.routed ? `,"routing":"${d.customer}"` : '';
        parts.push(`{"index":{"_index":"${b.index.name}",${typed}"_id":"${d.id}"${routing}}}\n${d.json}\n`);
        sourceBytes += d.json.length;
      }
      const res = await es.json<{ errors: boolean; items: Array<Record<string, { error?: unknown }>> }>(
        'POST',
        '/_bulk',
        parts.join(''),
        'application/x-ndjson',
      );
      if (res.errors) {
        const first = res.items.map((i) => Object.values(i)[0]?.error).find(Boolean);
        throw new Error(`bulk into ${b.index.name} had errors: ${JSON.stringify(first)}`);
      }
      done += b.to - b.from;
      opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const names = BENCH_INDICES.map((i) => i.name).join(',');
  await es.json('PUT', `/${names}/_settings`, { index: { refresh_interval: null } });
  await es.json('POST', `/${names}/_refresh`);
  const seconds = (performance.now() - t0) / 1000;
  return {
    docs: total,
    perIndex,
    sourceBytes,
    storeBytes: await storeBytes(es),
    seconds,
    docsPerSecond: total / seconds,
  };
}

export async function storeBytes(es: EsClient): Promise<number> {
  const rows = await es.json<Array<{ 'pri.store.size': string }>>(
    'GET',
    `/_cat/indices/${BENCH_INDICES.map((i) => i.name).join(',')}?format=json&bytes=b&h=index,pri.store.size`,
  );
  return rows.reduce((s, r) => s + Number(r['pri.store.size']), 0);
}

/** Document count per bench index (after a refresh). */
export async function countDocs(es: EsClient): Promise<Record<string, number>> {
  const names = BENCH_INDICES.map((i) => i.name).join(',');
  await es.json('POST', `/${names}/_refresh`);
  const out: Record<string, number> = {};
  for (const ix of BENCH_INDICES)
    out[ix.name] = (await es.json<{ count: number }>('GET', `/${ix.name}/_count`)).count;
  return out;
}
