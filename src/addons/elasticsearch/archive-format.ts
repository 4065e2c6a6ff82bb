/**
 * The streaming layout: what `elasticsearch.ndjson` inside a snapshot holds when the backup goes
 * straight into restic (no interim volume). One NDJSON stream, one record per line, in this order:
 *
 * 1. a header (`ArchiveHeader`);
 * 2. every template (`TemplateRecord`) and every selected index's metadata (`IndexRecord`), so the
 *    loader can create the indices before the first document arrives;
 * 3. the documents (`DocumentLine`), the slices of all indices interleaved — each line names its
 *    index; the line is elasticdump's data line, so one parser serves both layouts;
 * 4. a trailer (`TrailerRecord`) with the document count per index. A stream without it was cut
 *    short and is refused by the loader; the counts are compared after the load.
 *
 * Records other than documents start with `{"meta":`; documents start with `{"_index":`, and keep
 * `_source` last, so the loader can pass the source text to `_bulk` without re-serialising it.
 */
import type { Distribution } from './cluster-info.ts';

/** File name of the stream inside the snapshot (`restic backup --stdin-filename`). */
export const STREAM_FILENAME = 'elasticsearch.ndjson';
export const ARCHIVE_FORMAT = 1;

export interface ArchiveHeader {
  meta: 'header';
  stowage: 'elasticsearch-dump';
  format: typeof ARCHIVE_FORMAT;
  engine: { distribution: Distribution; version: string };
  /** ISO time the point-in-time was opened. */
  createdAt: string;
  indices: string[];
}

/** An index as it must be recreated: settings without the ones the cluster assigns. */
export interface IndexRecord {
  meta: 'index';
  name: string;
  /** `GET /<idx>/_settings` → `settings` minus uuid, creation_date, version, provided_name, … */
  settings: Record<string, unknown>;
  /** `GET /<idx>/_mapping` → `mappings` (Elasticsearch 6: `{ <type>: {...} }`). */
  mappings: Record<string, unknown>;
  /** `GET /<idx>/_alias` → `aliases`. */
  aliases: Record<string, unknown>;
}

export type TemplateKind = 'legacy' | 'composable' | 'component';

export interface TemplateRecord {
  meta: 'template';
  kind: TemplateKind;
  name: string;
  /** The body to PUT back (`_template`, `_index_template`, `_component_template`). */
  body: Record<string, unknown>;
}

/** The header of a dump of `indices` taken at `createdAt` (an ISO time). */
export function archiveHeader(
  engine: ArchiveHeader['engine'],
  indices: string[],
  createdAt: string,
): ArchiveHeader {
  return {
    meta: 'header',
    stowage: 'elasticsearch-dump',
    format: ARCHIVE_FORMAT,
    engine,
    createdAt,
    indices,
  };
}

export function templateRecord(
  kind: TemplateKind,
  name: string,
  body: Record<string, unknown> = {},
): TemplateRecord {
  return { meta: 'template', kind, name, body };
}

/** One document, in elasticdump's data-line shape. */
export interface DocumentLine {
  _index: string;
  /** Elasticsearch 6 only. */
  _type?: string;
  _id: string;
  _routing?: string;
  _source: unknown;
}

export interface TrailerRecord {
  meta: 'end';
  /** Documents written per index. */
  documents: Record<string, number>;
}

export type MetaRecord = ArchiveHeader | IndexRecord | TemplateRecord | TrailerRecord;

/**
 * The folder layout's own file: the header, every template (composable and component ones have no
 * file in multielasticdump's layout) and the trailer, as the stream's records, one per line. The
 * trailer is the completion mark: it is written last, after every data file was flushed.
 *
 * The name is `<first index>.template.json.json`. multielasticdump's load takes every entry of the
 * folder for an index after deleting the first `.mapping.json`, `.analyzer.json`, `.alias.json`,
 * `.settings.json`, `.template.json` and `.json` from its name (docs/search-engines.md, "multielasticdump
 * folder layout"): this name becomes the first index's own name, which it already loads, and it
 * never opens the file itself (it reads `<idx>.template.json`). Any other extra name (a
 * `manifest.json`, a dot-file, a subfolder) would be taken for an index and fail its load with
 * ENOENT. With no index at all the name is `.template.json.json`.
 */
export const FOLDER_MANIFEST_SUFFIX = '.template.json.json';

/** The manifest's file name for a dump of these indices. */
export function folderManifestName(indices: readonly string[]): string {
  const first = [...indices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0] ?? '';
  return `${first}${FOLDER_MANIFEST_SUFFIX}`;
}

export function isFolderManifest(fileName: string): boolean {
  return fileName.endsWith(FOLDER_MANIFEST_SUFFIX);
}
