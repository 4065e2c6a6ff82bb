/**
 * A small, varied dataset for the search-engine e2e scenarios, and a fingerprint of what a cluster
 * holds (per index: every document's id, routing and source hash, the mapping, the aliases, the
 * replicas and refresh settings) to compare before a backup and after a restore.
 */
import { createHash } from 'node:crypto';
import { engineRequest, type SearchEngine } from '../../harness/search-engine.ts';

const plain = (e: SearchEngine) => e.url;

async function call(e: SearchEngine, method: string, path: string, body?: unknown, contentType?: string) {
  const r = await engineRequest(plain(e), method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(contentType ? { contentType } : {}),
  });
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${r.body.slice(0, 500)}`);
  return r.json as Record<string, unknown>;
}

const typed = (e: SearchEngine) => e.kind === 'elasticsearch' && Number(e.version.split('.')[0]) < 7;

/** Two user indices (one with custom routing and an alias) and a dot index that must be skipped. */
export async function seedSearchData(e: SearchEngine, docs = 500): Promise<void> {
  const mapping = {
    properties: {
      title: { type: 'text' },
      tag: { type: 'keyword' },
      n: { type: 'long' },
      at: { type: 'date' },
      nested: { properties: { a: { type: 'keyword' }, b: { type: 'double' } } },
    },
  };
  const mappings = typed(e) ? { _doc: mapping } : mapping;
  await call(e, 'PUT', '/orders', {
    settings: { number_of_shards: 2, number_of_replicas: 0, refresh_interval: '7s' },
    mappings,
    aliases: { 'orders-read': {}, 'orders-big': { filter: { range: { n: { gte: 100 } } } } },
  });
  await call(e, 'PUT', '/logs-2026', { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings });
  await call(e, 'PUT', '/.internal-state', { settings: { number_of_shards: 1, number_of_replicas: 0 } });
  const lines: string[] = [];
  for (let i = 0; i < docs; i++) {
    const index = i % 3 === 0 ? 'logs-2026' : 'orders';
    const action: Record<string, unknown> = { _index: index, _id: `doc-${i}` };
    if (typed(e)) action._type = '_doc';
    if (index === 'orders' && i % 5 === 0) action.routing = `r${i % 7}`;
    lines.push(JSON.stringify({ index: action }));
    lines.push(
      JSON.stringify({
        title: `item ${i} ${'lorem ipsum '.repeat(i % 4)}`,
        tag: `t${i % 11}`,
        n: i,
        at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        nested: { a: `a${i % 3}`, b: i / 7 },
        ...(i % 13 === 0 ? { unicode: 'Grüße ✓ 日本' } : {}),
      }),
    );
  }
  lines.push(
    JSON.stringify({
      index: { _index: '.internal-state', _id: 'x', ...(typed(e) ? { _type: '_doc' } : {}) },
    }),
  );
  lines.push(JSON.stringify({ secret: 'not to be dumped' }));
  const bulk = await call(e, 'POST', '/_bulk?refresh=true', `${lines.join('\n')}\n`, 'application/x-ndjson');
  if (bulk.errors) throw new Error(`seeding failed: ${JSON.stringify(bulk).slice(0, 500)}`);
}

export interface IndexFingerprint {
  docs: Record<string, string>;
  mapping: unknown;
  aliases: string[];
  replicas: string;
  refresh: string | undefined;
}

export async function fingerprint(
  e: SearchEngine,
  indices: string[],
): Promise<Record<string, IndexFingerprint>> {
  const out: Record<string, IndexFingerprint> = {};
  await call(e, 'POST', `/${indices.join(',')}/_refresh`);
  for (const index of indices) {
    const docs: Record<string, string> = {};
    const res = await call(e, 'POST', `/${index}/_search`, { size: 10_000, query: { match_all: {} } });
    const hits = (res.hits as { hits: Array<{ _id: string; _routing?: string; _source: unknown }> }).hits;
    for (const h of hits) {
      docs[`${h._id}|${h._routing ?? ''}`] = createHash('sha256')
        .update(JSON.stringify(h._source))
        .digest('hex');
    }
    const mapping = ((await call(e, 'GET', `/${index}/_mapping`)) as Record<string, { mappings: unknown }>)[
      index
    ]!.mappings;
    const aliases = Object.keys(
      ((await call(e, 'GET', `/${index}/_alias`)) as Record<string, { aliases: object }>)[index]!.aliases,
    ).sort();
    const settings = (
      (await call(e, 'GET', `/${index}/_settings`)) as Record<
        string,
        { settings: { index: { number_of_replicas: string; refresh_interval?: string } } }
      >
    )[index]!.settings.index;
    out[index] = {
      docs,
      mapping,
      aliases,
      replicas: settings.number_of_replicas,
      refresh: settings.refresh_interval,
    };
  }
  return out;
}

export async function deleteIndices(e: SearchEngine, indices: string[]): Promise<void> {
  await call(e, 'DELETE', `/${indices.join(',')}`);
}

export async function indexExists(e: SearchEngine, index: string): Promise<boolean> {
  return (await engineRequest(plain(e), 'HEAD', `/${index}`)).status === 200;
}
