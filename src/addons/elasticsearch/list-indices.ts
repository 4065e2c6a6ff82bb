/**
 * Every index of the cluster with what the selection and the read plan need: its aliases (with
 * their bodies, which become the index record's), `index.hidden`, the number of primary shards,
 * and whether it is open. Three requests that answer on all five engine lines (measured):
 * - `GET /_all/_settings/index.hidden,index.number_of_shards?expand_wildcards=all&flat_settings`
 *   (hidden and closed indices included; 6.8 has no `index.hidden` and simply omits it);
 * - `GET /_alias?expand_wildcards=all`;
 * - `GET /_cat/indices?format=json&h=index,status,docs.count` for the closed ones (`status: close`)
 *   and a size estimate, with
 *   `expand_wildcards=all` where the engine knows hidden indices (6.8 refuses the parameter).
 * Closed indices cannot be searched; the dump skips them with a warning.
 */
import type { ClusterInfo } from './cluster-info.ts';
import type { SearchClient } from './http-client.ts';
import type { IndexCandidate } from './index-filter.ts';

export interface IndexInfo extends IndexCandidate {
  /** Alias name → body (`filter`, `index_routing`, `search_routing`, `is_write_index`, …). */
  aliasBodies: Record<string, Record<string, unknown>>;
  shards: number;
  open: boolean;
  /** `_cat/indices` docs.count: Lucene documents (nested ones included), for planning only. */
  docs: number;
}

type SettingsAnswer = Record<string, { settings?: Record<string, unknown> }>;
type AliasAnswer = Record<string, { aliases?: Record<string, Record<string, unknown>> }>;
type CatAnswer = Array<{ index?: string; status?: string; 'docs.count'?: string | null }>;

export async function listIndices(
  client: SearchClient,
  info: Pick<ClusterInfo, 'hiddenIndices'>,
  signal?: AbortSignal,
): Promise<IndexInfo[]> {
  const opts = signal ? { signal } : {};
  const [settings, aliases, cat] = await Promise.all([
    client.request<SettingsAnswer>('GET', '/_all/_settings/index.hidden,index.number_of_shards', undefined, {
      query: { expand_wildcards: 'all', flat_settings: true },
      ...opts,
    }),
    client.request<AliasAnswer>('GET', '/_alias', undefined, { query: { expand_wildcards: 'all' }, ...opts }),
    client.request<CatAnswer>('GET', '/_cat/indices', undefined, {
      query: {
        format: 'json',
        h: 'index,status,docs.count',
        ...(info.hiddenIndices ? { expand_wildcards: 'all' } : {}),
      },
      ...opts,
    }),
  ]);
  return indexInfos(settings.body ?? {}, aliases.body ?? {}, cat.body ?? []);
}

/** The three answers joined by index name (pure; unit-tested). */
export function indexInfos(settings: SettingsAnswer, aliases: AliasAnswer, cat: CatAnswer): IndexInfo[] {
  const closed = new Set(cat.filter((c) => c.status === 'close' && c.index).map((c) => c.index!));
  const docs = new Map(cat.map((c) => [c.index, Number.parseInt(c['docs.count'] ?? '0', 10) || 0]));
  return Object.entries(settings)
    .map(([name, entry]) => {
      const s = entry.settings ?? {};
      const aliasBodies = aliases[name]?.aliases ?? {};
      const shardSetting = s['index.number_of_shards'];
      const shards = Number.parseInt(typeof shardSetting === 'string' ? shardSetting : '1', 10);
      return {
        name,
        aliases: Object.keys(aliasBodies).sort(),
        aliasBodies,
        hidden: String(s['index.hidden']) === 'true',
        shards: Number.isFinite(shards) && shards > 0 ? shards : 1,
        open: !closed.has(name),
        docs: docs.get(name) ?? 0,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
