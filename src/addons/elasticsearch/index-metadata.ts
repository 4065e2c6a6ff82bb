/**
 * An index as it must be recreated: `GET /<idx>/_settings` and `GET /<idx>/_mapping` (aliases come
 * from the listing), with the settings the cluster assigned removed, because a create-index
 * refuses them or they describe the old index rather than the data. Measured on all five engines
 * by creating an index, shrinking, splitting and cloning it, then creating a new index with the
 * result's settings until it was accepted:
 * - `index.uuid`, `index.creation_date`, `index.provided_name`, `index.version.*`: identity of the
 *   old index (multielasticdump drops these four too);
 * - `index.resize.source.*`, `index.shrink.source.*` (6.8), `index.routing.allocation.initial_recovery.*`:
 *   written by shrink/split/clone, refused with "unknown setting" (Elasticsearch 8 hides them);
 * - `index.verified_before_close`: written when an index is closed;
 * and, from the engines' sources (not reproducible with the test distributions):
 * - `index.history.uuid`, `index.frozen` (`_freeze`), `index.store.snapshot.*` and
 *   `index.recovery.type` (searchable snapshots): private settings a create refuses;
 * - `index.blocks.read_only_allow_delete`: set by the cluster at the disk flood stage; restoring it
 *   would block the load. Blocks a user set (`index.blocks.write`, …) are kept: the loader applies
 *   them after the documents.
 * Settings are kept nested as the engine returns them (`{index: {…}}`, values as strings).
 */
import type { IndexRecord } from './archive-format.ts';
import type { SearchClient } from './http-client.ts';
import type { IndexInfo } from './list-indices.ts';

/** Flat setting names (and `prefix.*` groups) that are never written. */
export const ASSIGNED_SETTINGS: readonly string[] = [
  'index.uuid',
  'index.creation_date',
  'index.creation_date_string',
  'index.provided_name',
  'index.version.*',
  'index.history.uuid',
  'index.resize.*',
  'index.shrink.*',
  'index.routing.allocation.initial_recovery.*',
  'index.verified_before_close',
  'index.frozen',
  'index.store.snapshot.*',
  'index.recovery.type',
  'index.blocks.read_only_allow_delete',
];

function isAssigned(flatName: string): boolean {
  return ASSIGNED_SETTINGS.some((p) =>
    p.endsWith('.*') ? flatName.startsWith(p.slice(0, -1)) : flatName === p,
  );
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Settings without the assigned ones and without reset (`null`) ones, in the shape they came in
 * (nested or flat); also the flat names of the assigned ones removed. Objects left empty go too.
 */
export function cleanSettings(settings: Json): { settings: Json; removed: string[] } {
  const removed: string[] = [];
  const walk = (obj: Json, prefix: string): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (isAssigned(name)) {
        removed.push(name);
        continue;
      }
      // `null`: a setting that was reset (`"index.blocks.write": null` after a shrink); not set.
      if (v === null) continue;
      if (isObject(v)) {
        const inner = walk(v, name);
        if (Object.keys(inner).length > 0 || Object.keys(v).length === 0) out[k] = inner;
      } else {
        out[k] = v;
      }
    }
    return out;
  };
  return { settings: walk(settings, ''), removed: removed.sort() };
}

/** Whether the mapping stores no `_source` (then there is nothing to dump but the metadata). */
export function sourceDisabled(mappings: Json): boolean {
  const check = (m: unknown): boolean =>
    isObject(m) && isObject(m._source) && (m._source.enabled === false || m._source.enabled === 'false');
  if (check(mappings)) return true;
  // Elasticsearch 6: `{ <type>: { _source, properties } }`
  return Object.values(mappings).some((v) => isObject(v) && !('type' in v) && check(v));
}

/** Index names per request, so the URL stays well under the engines' 4 KB request line. */
function chunks(names: readonly string[], maxChars = 3000): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const name of names) {
    const encoded = encodeURIComponent(name).length + 1;
    if (current.length > 0 && length + encoded > maxChars) {
      out.push(current);
      current = [];
      length = 0;
    }
    current.push(name);
    length += encoded;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function indexPath(names: readonly string[]): string {
  return names.map((n) => encodeURIComponent(n)).join(',');
}

export interface IndexMetadataOptions {
  settings: boolean;
  mappings: boolean;
  aliases: boolean;
  signal?: AbortSignal;
}

export interface IndexMetadata {
  /** In the order of the indices given; parts not asked for are left empty. */
  records: IndexRecord[];
  /** Indices whose mapping disables `_source`: their documents cannot be dumped. */
  sourceless: string[];
  /** Indices without any mapping: on Elasticsearch 6 they never held a document (a sliced search
   * even fails on them: "field _id not found"). */
  unmapped: string[];
}

export async function fetchIndexMetadata(
  client: SearchClient,
  indices: readonly IndexInfo[],
  options: IndexMetadataOptions,
): Promise<IndexMetadata> {
  const names = indices.map((i) => i.name);
  const settings = new Map<string, Json>();
  const mappings = new Map<string, Json>();
  const opts = options.signal ? { signal: options.signal } : {};
  for (const group of chunks(names)) {
    const path = `/${indexPath(group)}`;
    const [s, m] = await Promise.all([
      options.settings
        ? client.request<Record<string, { settings?: Json }>>('GET', `${path}/_settings`, undefined, opts)
        : undefined,
      // The mapping is read even when not written: it tells whether `_source` is stored.
      client.request<Record<string, { mappings?: Json }>>('GET', `${path}/_mapping`, undefined, opts),
    ]);
    for (const [name, v] of Object.entries(s?.body ?? {})) settings.set(name, v.settings ?? {});
    for (const [name, v] of Object.entries(m.body ?? {})) mappings.set(name, v.mappings ?? {});
  }
  const records = indices.map((i) => ({
    meta: 'index' as const,
    name: i.name,
    settings: options.settings ? cleanSettings(settings.get(i.name) ?? {}).settings : {},
    mappings: options.mappings ? (mappings.get(i.name) ?? {}) : {},
    aliases: options.aliases ? i.aliasBodies : {},
  }));
  const sourceless = names.filter((n) => sourceDisabled(mappings.get(n) ?? {}));
  const unmapped = names.filter((n) => Object.keys(mappings.get(n) ?? {}).length === 0);
  return { records, sourceless, unmapped };
}
