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
