/**
 * Reads a folder in multielasticdump's layout (an interim volume, or a folder Stash's addon made),
 * one set of files per index, named after it (docs/search-engines.md, "multielasticdump folder
 * layout"):
 * - `<idx>.json`: the documents, one elasticdump data line each;
 * - `<idx>.settings.json`, `<idx>.analyzer.json`: `{<idx>: {settings: {index: …}}}`;
 * - `<idx>.mapping.json`: `{<idx>: {mappings: …}}`;
 * - `<idx>.alias.json`: `{<idx>: {aliases: …}}`;
 * - `<idx>.template.json`: every legacy template, `{<name>: <body>}` (the same in each file);
 * each optionally gzipped (`--fsCompress`: `.json.gz`). elasticdump writes the metadata files as a
 * JSON string holding the JSON (it stringifies the answer text once more); both forms are read.
 *
 * A folder Stowage wrote (./folder-writer.ts) also has a manifest, `<first index>.template.json.json`
 * (./archive-format.ts `FOLDER_MANIFEST_SUFFIX`): the stream's header, every template (composable
 * and component ones too, which have no file of their own) and the trailer. With it, the templates
 * come from the manifest, the expected counts from its trailer, and the data lines are Stowage's own
 * (`_source` last). Without it (a multielasticdump folder), the legacy templates come from the
 * `.template.json` files and the expected count of an index is the number of lines in its data file.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { StowageError } from '../../errors.ts';
import {
  ARCHIVE_FORMAT,
  isFolderManifest,
  templateRecord,
  type ArchiveHeader,
  type IndexRecord,
  type MetaRecord,
  type TemplateKind,
  type TemplateRecord,
  type TrailerRecord,
} from './archive-format.ts';
import type { DocumentBatch, DumpSource } from './load.ts';
import { ndjsonLines } from './ndjson-lines.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Metadata kinds by file suffix (before `.json`), longest first so `x.mapping` is not index `x.mapping`. */
const KINDS = ['settings', 'analyzer', 'mapping', 'alias', 'template'] as const;
type FileKind = (typeof KINDS)[number] | 'data';

interface FolderFile {
  index: string;
  kind: FileKind;
  file: string;
  gzip: boolean;
}

/** Which index and kind a file name stands for; undefined for files that are not part of a dump. */
export function classifyFile(name: string): FolderFile | undefined {
  if (isFolderManifest(name)) return undefined;
  const gzip = name.endsWith('.json.gz');
  if (!gzip && !name.endsWith('.json')) return undefined;
  const stem = name.slice(0, name.length - (gzip ? '.json.gz'.length : '.json'.length));
  for (const kind of KINDS) {
    const suffix = `.${kind}`;
    if (stem.endsWith(suffix) && stem.length > suffix.length) {
      return { index: stem.slice(0, -suffix.length), kind, file: name, gzip };
    }
  }
  return stem === '' ? undefined : { index: stem, kind: 'data', file: name, gzip };
}

/** A metadata file's JSON: one value, or a JSON string holding it (elasticdump), or several lines. */
export function parseMetadata(text: string, file: string): Json {
  const unwrap = (v: unknown): unknown => (typeof v === 'string' ? unwrap(JSON.parse(v)) : v);
  const merged: Json = {};
  const trimmed = text.trim();
  if (trimmed === '') return merged;
  let values: unknown[];
  try {
    values = [unwrap(JSON.parse(trimmed))];
  } catch {
    try {
      values = trimmed
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => unwrap(JSON.parse(l)));
    } catch (e) {
      throw new StowageError('ARCHIVE_INVALID', `${file} is not JSON: ${(e as Error).message}`);
    }
  }
  for (const v of values) {
    if (!isObject(v)) throw new StowageError('ARCHIVE_INVALID', `${file} does not hold a JSON object`);
    Object.assign(merged, v);
  }
  return merged;
}

/** `{<idx>: {<key>: …}}` → the inner value (the only entry when the name differs, as with an alias). */
function perIndex(meta: Json, index: string, key: string): Json | undefined {
  const entry = meta[index] ?? (Object.keys(meta).length === 1 ? Object.values(meta)[0] : undefined);
  const value = isObject(entry) ? entry[key] : undefined;
  return isObject(value) ? value : undefined;
}

/** Legacy `{<name>: body}`, or the `index_templates`/`component_templates` answers. */
export function templatesOf(meta: Json): TemplateRecord[] {
  const out: TemplateRecord[] = [];
  const list = (key: string, inner: string, kind: TemplateKind): boolean => {
    const arr = meta[key];
    if (!Array.isArray(arr)) return false;
    for (const t of arr as Array<{ name?: unknown } & Json>) {
      const body = t[inner];
      if (typeof t.name === 'string' && isObject(body)) out.push(templateRecord(kind, t.name, body));
    }
    return true;
  };
  if (list('index_templates', 'index_template', 'composable')) return out;
  if (list('component_templates', 'component_template', 'component')) return out;
  for (const [name, body] of Object.entries(meta)) {
    if (isObject(body)) out.push(templateRecord('legacy', name, body));
  }
  return out;
}

export interface FolderReadOptions {
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Read `<idx>.analyzer.json` (default true; `--ignoreType=analyzer` turns it off). */
  analyzer?: boolean;
}

export async function readFolder(dir: string, options: FolderReadOptions = {}): Promise<DumpSource> {
  const names = await listFolder(dir);
  const manifest = await readManifest(dir, names);
  const byIndex = groupByIndex(dir, names, options);
  const metadata = await readMetadataFiles(dir, byIndex, manifest === undefined, options);
  const templates = new Map(metadata.templates.map((t) => [`${t.kind}/${t.name}`, t]));
  if (manifest) {
    for (const t of manifest.templates) templates.set(`${t.kind}/${t.name}`, t);
    const missing = manifest.header.indices.filter((n) => !byIndex.has(n));
    if (missing.length > 0) {
      throw new StowageError(
        'ARCHIVE_INVALID',
        `the dump folder ${dir} lacks the files of ${missing.map((n) => `"${n}"`).join(', ')}, which its manifest lists`,
      );
    }
  }
  const counts: Record<string, number> = {};
  return {
    indices: metadata.indices,
    templates: [...templates.values()],
    plannedCounts: manifest?.trailer.documents,
    documents: (selected) => readDataFiles(dir, metadata.dataFiles, selected, counts, manifest !== undefined),
    // The manifest's counts are what the dump wrote; a data file cut short then shows as a mismatch.
    expectedCounts: () => (manifest ? { ...counts, ...manifest.trailer.documents } : counts),
  };
}

async function listFolder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    throw new StowageError('ARCHIVE_INVALID', `cannot read the dump folder ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Stowage's manifest, when the folder has one (a folder multielasticdump wrote has none). */
async function readManifest(dir: string, names: readonly string[]): Promise<Manifest | undefined> {
  const manifests = names.filter(isFolderManifest);
  if (manifests.length > 1) {
    throw new StowageError(
      'ARCHIVE_INVALID',
      `the dump folder ${dir} holds more than one manifest: ${manifests.join(', ')}`,
    );
  }
  const name = manifests[0];
  return name ? parseManifest(await readFile(join(dir, name), 'utf8'), name) : undefined;
}

type IndexFiles = Partial<Record<FileKind, FolderFile>>;

/** The dump's files by index; any other file is warned about. */
function groupByIndex(
  dir: string,
  names: readonly string[],
  options: FolderReadOptions,
): Map<string, IndexFiles> {
  const byIndex = new Map<string, IndexFiles>();
  const ignored: string[] = [];
  for (const name of names) {
    if (isFolderManifest(name)) continue;
    const f = classifyFile(name);
    if (!f) {
      ignored.push(name);
      continue;
    }
    const entry = byIndex.get(f.index) ?? {};
    entry[f.kind] = f;
    byIndex.set(f.index, entry);
  }
  if (ignored.length > 0) options.warn?.('ignoring files that are not part of a dump', { files: ignored });
  if (byIndex.size === 0) {
    throw new StowageError(
      'ARCHIVE_INVALID',
      `the dump folder ${dir} holds no index files (<index>.json, <index>.mapping.json, …)`,
    );
  }
  return byIndex;
}

interface FolderMetadata {
  indices: IndexRecord[];
  /** From the `.template.json` files; only read without a manifest (which has them all). */
  templates: TemplateRecord[];
  dataFiles: Map<string, FolderFile>;
}

async function readMetadataFiles(
  dir: string,
  byIndex: ReadonlyMap<string, IndexFiles>,
  templateFiles: boolean,
  options: FolderReadOptions,
): Promise<FolderMetadata> {
  const read = async (f: FolderFile): Promise<Json> => {
    const raw = await readFile(join(dir, f.file));
    return parseMetadata((f.gzip ? gunzipSync(raw) : raw).toString('utf8'), f.file);
  };
  const out: FolderMetadata = { indices: [], templates: [], dataFiles: new Map() };
  for (const [index, files] of byIndex) {
    const settings = files.settings ? perIndex(await read(files.settings), index, 'settings') : undefined;
    const analyzer =
      files.analyzer && options.analyzer !== false
        ? perIndex(await read(files.analyzer), index, 'settings')
        : undefined;
    const mappings = files.mapping ? perIndex(await read(files.mapping), index, 'mappings') : undefined;
    const aliases = files.alias ? perIndex(await read(files.alias), index, 'aliases') : undefined;
    if (files.template && templateFiles) out.templates.push(...templatesOf(await read(files.template)));
    if (files.data) out.dataFiles.set(index, files.data);
    // A folder with only templates in a file of their own is not an index.
    if (!files.data && !files.settings && !files.mapping && !files.alias && !files.analyzer) continue;
    out.indices.push({
      meta: 'index',
      name: index,
      settings: withAnalysis(settings ?? {}, analyzer),
      mappings: mappings ?? {},
      aliases: aliases ?? {},
    });
  }
  return out;
}

/** The selected indices' data lines, file by file; `counts` gets each file's number of lines. */
async function* readDataFiles(
  dir: string,
  dataFiles: ReadonlyMap<string, FolderFile>,
  selected: ReadonlySet<string>,
  counts: Record<string, number>,
  sourceLast: boolean,
): AsyncIterable<DocumentBatch> {
  for (const [index, f] of dataFiles) {
    if (!selected.has(index)) continue;
    let lineNo = 0;
    const input = createReadStream(join(dir, f.file), { highWaterMark: 1024 * 1024 });
    const source = f.gzip ? input.pipe(createGunzip()) : input;
    try {
      for await (const lines of ndjsonLines(source as AsyncIterable<Buffer>)) {
        const firstLine = lineNo + 1;
        lineNo += lines.length;
        yield { lines, firstLine, origin: `${f.file} line`, index, sourceLast };
      }
    } finally {
      input.destroy();
    }
    counts[index] = lineNo;
  }
}

interface Manifest {
  header: ArchiveHeader;
  templates: TemplateRecord[];
  trailer: TrailerRecord;
}

/** The manifest's records: header first, trailer last (written after every data file). */
function parseManifest(text: string, file: string): Manifest {
  const records = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as MetaRecord;
      } catch (e) {
        throw new StowageError(
          'ARCHIVE_INVALID',
          `${file} line ${i + 1} is not JSON: ${(e as Error).message}`,
        );
      }
    });
  const header = records[0];
  const trailer = records.at(-1);
  if (header?.meta !== 'header' || header.stowage !== 'elasticsearch-dump') {
    throw new StowageError('ARCHIVE_INVALID', `${file} does not start with a Stowage dump header`);
  }
  const format = header.format as number;
  if (format !== ARCHIVE_FORMAT) {
    throw new StowageError(
      'ARCHIVE_INVALID',
      `${file} has format ${format}, this Stowage reads format ${ARCHIVE_FORMAT}: restore it with the Stowage version that wrote it or a newer one`,
    );
  }
  if (trailer?.meta !== 'end' || !isObject(trailer.documents)) {
    throw new StowageError(
      'ARCHIVE_TRUNCATED',
      `${file} has no trailer record: the dump that wrote it did not finish`,
    );
  }
  const templates = records.filter((r): r is TemplateRecord => r.meta === 'template');
  return { header, templates, trailer };
}

/** The analyzer file's `index.analysis` where the settings file has none. */
function withAnalysis(settings: Json, analyzer: Json | undefined): Json {
  const index = isObject(settings.index) ? settings.index : undefined;
  const analysis = isObject(analyzer?.index) ? analyzer.index.analysis : undefined;
  if (!analysis || (index && index.analysis)) return settings;
  return { ...settings, index: { ...(index ?? {}), analysis } };
}
