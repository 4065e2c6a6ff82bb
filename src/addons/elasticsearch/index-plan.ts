/**
 * How a saved index becomes requests on the target cluster (pure, unit-tested): the create body
 * (saved settings and mappings, with 0 replicas and refresh off for a fast load), the settings put
 * back afterwards (replicas, refresh interval, auto-expand, blocks, exactly as saved), the alias
 * actions, and the mapping type bulk lines need on Elasticsearch 6.
 *
 * Settings the cluster assigns (uuid, creation date, version, …) are dropped; saved settings may be
 * nested (`{index: {…}}`) or flat (`index.x.y`), from any engine line. Mappings move between the
 * typed (Elasticsearch 6: `{<type>: {properties}}`) and typeless shapes as the target needs.
 */
import type { IndexRecord } from './archive-format.ts';

export type Json = Record<string, unknown>;

export interface IndexPlan {
  name: string;
  /** `PUT /<name>` body. */
  create: { settings: Json; mappings?: Json };
  /** `PUT /<name>/_settings` body after the load. */
  finalSettings: Json;
  /** `POST /_aliases` add actions. */
  aliasActions: Json[];
  /** Elasticsearch 6: the `_type` of bulk lines (the mapping's type; undefined when unmapped). */
  bulkType: string | undefined;
  /** The alias names, for `--match` and messages. */
  aliases: string[];
  hidden: boolean;
}

/** Settings an index may not be created with: the cluster assigns them, or they need a source index. */
const ASSIGNED = [
  'uuid',
  'creation_date',
  'creation_date_string',
  'version',
  'provided_name',
  'history',
  'resize',
  'shrink',
  'routing.allocation.initial_recovery',
  'verified_before_close',
  'store.snapshot',
  'frozen',
  'search.throttled',
  'downsample',
  'rollup',
  'replication.origin',
];

/** Set during the load and put back after it. */
const DEFERRED = ['number_of_replicas', 'auto_expand_replicas', 'refresh_interval', 'blocks'];

/** Keys a typeless mapping may have at its root; anything else alone at the root is a type name. */
const MAPPING_ROOT_KEYS = new Set([
  'properties',
  'dynamic',
  'dynamic_templates',
  'dynamic_date_formats',
  'date_detection',
  'numeric_detection',
  'enabled',
  'runtime',
  'subobjects',
  '_source',
  '_routing',
  '_meta',
  '_all',
  '_field_names',
  '_size',
  '_data_stream_timestamp',
  '_doc_count',
]);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{"index.a.b": 1}` and `{index: {a: {b: 1}}}` both become the nested form. */
export function nestSettings(settings: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(settings)) {
    const path = key.split('.');
    let node = out;
    for (const part of path.slice(0, -1)) {
      if (!isObject(node[part])) node[part] = {};
      node = node[part] as Json;
    }
    const last = path[path.length - 1]!;
    if (isObject(value)) {
      if (!isObject(node[last])) node[last] = {};
      mergeInto(node[last] as Json, nestSettings(value));
    } else node[last] = value;
  }
  return out;
}

function mergeInto(target: Json, source: Json): void {
  for (const [k, v] of Object.entries(source)) {
    if (isObject(v) && isObject(target[k])) mergeInto(target[k], v);
    else target[k] = v;
  }
}

function takePath(obj: Json, path: string): unknown {
  const parts = path.split('.');
  let node: Json = obj;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!isObject(next)) return undefined;
    node = next;
  }
  const last = parts[parts.length - 1]!;
  const value = node[last];
  delete node[last];
  return value;
}

/** The saved index settings (`{index: {…}}`) without what the cluster assigns; a deep copy. */
export function creatableSettings(saved: Json): Json {
  const nested = nestSettings(saved);
  // `GET _settings` answers `{settings: {index: …}}` per index; the dump may keep that level.
  const root = isObject(nested.settings) && Object.keys(nested).length === 1 ? nested.settings : nested;
  delete root.archived;
  const index = isObject(root.index) ? root.index : {};
  for (const path of ASSIGNED) takePath(index, path);
  return { ...root, index };
}

/** Whether mappings are `{<type>: {…}}` (Elasticsearch 6 and older), and the type name. */
export function mappingType(mappings: Json): string | undefined {
  const keys = Object.keys(mappings).filter((k) => k !== '_default_');
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return !MAPPING_ROOT_KEYS.has(key) && isObject(mappings[key]) ? key : undefined;
}

/**
 * The mappings as the target takes them: typed on a cluster with mapping types (wrapped in `_doc`
 * when saved typeless), typeless elsewhere (a saved type is unwrapped).
 */
export function targetMappings(
  mappings: Json,
  mappingTypes: boolean,
): { mappings: Json | undefined; type: string | undefined } {
  const savedType = mappingType(mappings);
  const { _default_: _ignored, ...rest } = mappings;
  // No mappings: the documents' own `_type` (or `_doc`) names the type on a typed target.
  if (Object.keys(rest).length === 0) return { mappings: undefined, type: undefined };
  if (mappingTypes) {
    return savedType
      ? { mappings: { [savedType]: rest[savedType] }, type: savedType }
      : { mappings: { _doc: rest }, type: '_doc' };
  }
  return { mappings: savedType ? (rest[savedType] as Json) : rest, type: undefined };
}

export function planIndex(record: IndexRecord, target: { mappingTypes: boolean }): IndexPlan {
  const settings = creatableSettings(record.settings);
  const index = settings.index as Json;
  const deferred: Json = {};
  for (const key of DEFERRED) {
    const v = takePath(index, key);
    // null resets a setting to its default: the index had none saved.
    deferred[key] = v === undefined ? null : v;
  }
  if (deferred.blocks === null) delete deferred.blocks;
  if (deferred.auto_expand_replicas === null) delete deferred.auto_expand_replicas;
  else index.auto_expand_replicas = false;
  index.number_of_replicas = 0;
  index.refresh_interval = '-1';

  const { mappings, type } = targetMappings(record.mappings, target.mappingTypes);
  const aliasActions: Json[] = [];
  for (const [alias, opts] of Object.entries(record.aliases)) {
    aliasActions.push({ add: { index: record.name, alias, ...(isObject(opts) ? opts : {}) } });
  }
  const hidden = String(index.hidden) === 'true';
  return {
    name: record.name,
    create: { settings, ...(mappings ? { mappings } : {}) },
    finalSettings: { index: deferred },
    aliasActions,
    bulkType: type,
    aliases: Object.keys(record.aliases),
    hidden,
  };
}

/** Removes a setting the target does not know (`unknown setting [index.x.y]`); true if it was there. */
export function dropSetting(create: { settings: Json }, key: string): boolean {
  return takePath(create.settings, key) !== undefined;
}
