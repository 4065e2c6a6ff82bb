/**
 * The two point-in-time APIs (docs/search-engines.md, feature matrix) behind one shape:
 * - Elasticsearch ≥ 7.10: `POST /<indices>/_pit?keep_alive=` → `{id}`, `DELETE /_pit {"id"}`;
 * - OpenSearch ≥ 2.4: `POST /<indices>/_search/point_in_time?keep_alive=` → `{pit_id}`,
 *   `DELETE /_search/point_in_time {"pit_id": [id]}`.
 * Searches go to `/_search` with `{pit: {id, keep_alive}}` on both.
 *
 * One PIT over all selected indices is the dump's consistent cut. Its documents per index are
 * counted once, from the PIT itself (a `terms` aggregation on `_index`), so the count is of the
 * same cut the slices read, and the dump can check it read exactly that.
 */
import type { PitApi } from './cluster-info.ts';
import type { SearchClient } from './http-client.ts';

export interface PointInTime {
  api: PitApi;
  id: string;
}

/** A search target: index names in the path, or all indices plus a `terms` filter on `_index`. */
export interface SearchTarget {
  /** `/a,b` or `/_all`. */
  path: string;
  /** Set when `path` is `/_all`: the selected names, as a query filter. */
  filter: string[] | undefined;
  /** With `/_all` only (named indices resolve whether hidden or not). */
  expandWildcards: string | undefined;
}

/** Above this many characters of names the path would pass the engines' 4 KB request line. */
const MAX_PATH_CHARS = 3000;

/** `hidden`: some selected index is hidden and the engine knows hidden indices (not 6.x). */
export function searchTarget(names: readonly string[], hidden: boolean): SearchTarget {
  const path = names.map((n) => encodeURIComponent(n)).join(',');
  if (path.length <= MAX_PATH_CHARS)
    return { path: `/${path}`, filter: undefined, expandWildcards: undefined };
  return { path: '/_all', filter: [...names], expandWildcards: hidden ? 'open,hidden' : 'open' };
}

export async function openPit(
  client: SearchClient,
  api: PitApi,
  target: SearchTarget,
  keepAlive: string,
  signal?: AbortSignal,
): Promise<PointInTime> {
  const query = { keep_alive: keepAlive, expand_wildcards: target.expandWildcards };
  if (api === 'elasticsearch') {
    const opts = { query, ...(signal ? { signal } : {}) };
    const res = await client.request<{ id: string }>('POST', `${target.path}/_pit`, undefined, opts);
    return { api, id: res.body.id };
  }
  // OpenSearch creates a PIT over the shards that answered unless told otherwise.
  const opts = { query: { ...query, allow_partial_pit_creation: false }, ...(signal ? { signal } : {}) };
  const res = await client.request<{ pit_id: string }>(
    'POST',
    `${target.path}/_search/point_in_time`,
    undefined,
    opts,
  );
  return { api, id: res.body.pit_id };
}

/** Frees the PIT's resources on the cluster; a PIT that expired already is not an error. */
export async function closePit(client: SearchClient, pit: PointInTime): Promise<void> {
  if (pit.api === 'elasticsearch') {
    await client.request('DELETE', '/_pit', { id: pit.id }, { accept: [404] });
  } else {
    await client.request('DELETE', '/_search/point_in_time', { pit_id: [pit.id] }, { accept: [404] });
  }
}

/** The `query` every search of the dump carries: all documents, or those of the selected indices. */
export function targetQuery(target: SearchTarget, index?: string): Record<string, unknown> | undefined {
  if (index !== undefined) return { term: { _index: index } };
  return target.filter ? { terms: { _index: target.filter } } : undefined;
}

/** Documents per index in the PIT, and their total. */
export async function countPit(
  client: SearchClient,
  pit: PointInTime,
  target: SearchTarget,
  indices: number,
  keepAlive: string,
  signal?: AbortSignal,
): Promise<{ total: number; perIndex: Record<string, number> }> {
  const query = targetQuery(target);
  const res = await client.request<CountAnswer>(
    'POST',
    '/_search',
    {
      pit: { id: pit.id, keep_alive: keepAlive },
      size: 0,
      track_total_hits: true,
      ...(query ? { query } : {}),
      aggs: { indices: { terms: { field: '_index', size: Math.max(1, indices) } } },
    },
    {
      query: { filter_path: 'hits.total,aggregations', allow_partial_search_results: false },
      ...(signal ? { signal } : {}),
    },
  );
  const perIndex: Record<string, number> = {};
  for (const b of res.body.aggregations?.indices?.buckets ?? []) perIndex[b.key] = b.doc_count;
  const total = res.body.hits?.total;
  return { total: typeof total === 'number' ? total : (total?.value ?? 0), perIndex };
}

interface CountAnswer {
  hits?: { total?: number | { value: number } };
  aggregations?: { indices?: { buckets?: Array<{ key: string; doc_count: number }> } };
}

/**
 * Extends the PIT on every shard: a search without a query touches them all. Slices of an index
 * touch only its shards, so an index whose turn comes late (or a dump held back by a slow restic)
 * would otherwise find its shards' contexts expired.
 */
export async function touchPit(
  client: SearchClient,
  pit: PointInTime,
  keepAlive: string,
  signal?: AbortSignal,
): Promise<void> {
  await client.request(
    'POST',
    '/_search',
    { pit: { id: pit.id, keep_alive: keepAlive }, size: 0, track_total_hits: false },
    { query: { filter_path: 'took' }, ...(signal ? { signal } : {}) },
  );
}
