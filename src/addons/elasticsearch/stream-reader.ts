/**
 * Reads the streaming layout (./archive-format.ts) from stdin: the header first, then the index and
 * template records, then the document lines, then the trailer. The preamble is read whole (it is
 * small) so the loader can create every index before the first document; documents are handed on
 * in batches as they arrive, untouched. A stream that ends without the trailer was cut short (a
 * failed or interrupted backup, a truncated snapshot file): `documents()` throws then, and so it
 * does for anything after the trailer.
 */
import { StowageError } from '../../errors.ts';
import {
  ARCHIVE_FORMAT,
  type ArchiveHeader,
  type IndexRecord,
  type MetaRecord,
  type TemplateRecord,
  type TrailerRecord,
} from './archive-format.ts';
import { ndjsonLines, type LineState } from './ndjson-lines.ts';

export interface ArchivePreamble {
  header: ArchiveHeader;
  indices: IndexRecord[];
  templates: TemplateRecord[];
}

export interface LineBatch {
  lines: Buffer[];
  /** 1-based line number of `lines[0]` in the stream, for error messages. */
  firstLine: number;
}

const META_PREFIX = Buffer.from('{"meta":');

function isMetaLine(line: Buffer): boolean {
  return line.length > META_PREFIX.length && META_PREFIX.equals(line.subarray(0, META_PREFIX.length));
}

export class ArchiveStreamReader {
  readonly #state: LineState = {};
  readonly #lines: AsyncGenerator<Buffer[]>;
  /** Lines read past the preamble, handed out first by `documents()`. */
  #held: Buffer[] = [];
  #lineNo = 0;
  #trailer: TrailerRecord | undefined;
  #droppedPartial = false;

  constructor(source: AsyncIterable<Buffer | string>) {
    this.#lines = ndjsonLines(source, this.#state);
  }

  /** The trailer, once `documents()` has run to its end. */
  get trailer(): TrailerRecord | undefined {
    return this.#trailer;
  }

  async readPreamble(): Promise<ArchivePreamble> {
    let header: ArchiveHeader | undefined;
    const indices: IndexRecord[] = [];
    const templates: TemplateRecord[] = [];
    for (;;) {
      const next = await this.#lines.next();
      const batch = next.done ? this.#takeUnterminated() : next.value;
      if (batch === undefined) {
        if (!header && this.#lineNo === 0 && !this.#droppedPartial) {
          throw invalid('the stream is empty: the snapshot holds no Elasticsearch dump');
        }
        if (!header) throw truncated(this.#lineNo);
        // A header and records but neither documents nor trailer: cut short as well.
        return { header, indices, templates };
      }
      for (let i = 0; i < batch.length; i++) {
        const line = batch[i]!;
        const lineNo = ++this.#lineNo;
        if (!header) {
          header = parseHeader(line);
          continue;
        }
        if (!isMetaLine(line)) {
          this.#held = batch.slice(i);
          this.#lineNo = lineNo - 1;
          return { header, indices, templates };
        }
        const rec = parseMeta(line, lineNo);
        if (rec.meta === 'index') indices.push(checkIndex(rec, lineNo));
        else if (rec.meta === 'template') templates.push(checkTemplate(rec, lineNo));
        else if (rec.meta === 'end') {
          this.#trailer = checkTrailer(rec, lineNo);
          this.#held = batch.slice(i + 1);
          this.#lineNo = lineNo;
          return { header, indices, templates };
        } else throw invalid(`line ${lineNo}: a second header`);
      }
      if (next.done) {
        if (!header) throw truncated(this.#lineNo);
        return { header, indices, templates };
      }
    }
  }

  /** Stops reading (the input is closed); for a load that ends early. */
  async close(): Promise<void> {
    await this.#lines.return(undefined);
  }

  /** The document lines, in batches; throws when the trailer is missing or not last. */
  async *documents(): AsyncGenerator<LineBatch> {
    try {
      yield* this.#documents();
    } finally {
      await this.close();
    }
  }

  async *#documents(): AsyncGenerator<LineBatch> {
    if (this.#held.length > 0) {
      const held = this.#held;
      this.#held = [];
      const out = this.#split(held);
      if (out) yield out;
    }
    for (;;) {
      const next = await this.#lines.next();
      const batch = next.done ? this.#takeUnterminated() : next.value;
      if (batch === undefined) break;
      const out = this.#split(batch);
      if (out) yield out;
      if (next.done) break;
    }
    if (!this.#trailer) throw truncated(this.#lineNo);
  }

  /** Splits off meta lines (only the trailer may come, and nothing after it). */
  #split(batch: Buffer[]): LineBatch | undefined {
    const firstLine = this.#lineNo + 1;
    let docs: Buffer[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const line = batch[i]!;
      const lineNo = ++this.#lineNo;
      if (this.#trailer) throw invalid(`line ${lineNo}: data after the trailer record`);
      if (isMetaLine(line)) {
        const rec = parseMeta(line, lineNo);
        if (rec.meta !== 'end') {
          throw invalid(`line ${lineNo}: a "${rec.meta}" record after the first document`);
        }
        this.#trailer = checkTrailer(rec, lineNo);
        docs ??= batch.slice(0, i);
      } else if (docs) docs.push(line);
    }
    const lines = docs ?? batch;
    return lines.length > 0 ? { lines, firstLine } : undefined;
  }

  /**
   * The last line when it has no `\n`: a trailer written without one is fine, anything else was
   * cut off mid-line and is left out (the missing trailer then reports the truncation).
   */
  #takeUnterminated(): Buffer[] | undefined {
    const line = this.#state.unterminated;
    this.#state.unterminated = undefined;
    if (!line) return undefined;
    this.#droppedPartial = true;
    if (isMetaLine(line)) {
      try {
        const rec = JSON.parse(line.toString('utf8')) as MetaRecord;
        if (rec.meta === 'end') return [line];
      } catch {
        // cut short
      }
    }
    return undefined;
  }
}

function truncated(lines: number): StowageError {
  return new StowageError(
    'ARCHIVE_TRUNCATED',
    `the dump stream ended after ${lines} complete line(s) without its trailer record: the backup was cut short (a failed or interrupted dump, or a damaged snapshot)`,
  );
}

function invalid(message: string): StowageError {
  return new StowageError('ARCHIVE_INVALID', message);
}

function parseHeader(line: Buffer): ArchiveHeader {
  let rec: Partial<ArchiveHeader> | undefined;
  try {
    rec = JSON.parse(line.toString('utf8')) as Partial<ArchiveHeader>;
  } catch {
    rec = undefined;
  }
  if (!rec || rec.meta !== 'header' || rec.stowage !== 'elasticsearch-dump') {
    throw invalid(
      'the stream does not start with a Stowage Elasticsearch dump header (a multielasticdump folder is restored from an interim volume, not from a stream)',
    );
  }
  if (rec.format !== ARCHIVE_FORMAT) {
    throw invalid(
      `the dump has format ${String(rec.format)}, this Stowage reads format ${ARCHIVE_FORMAT}: restore it with the Stowage version that wrote it or a newer one`,
    );
  }
  return rec as ArchiveHeader;
}

function parseMeta(line: Buffer, lineNo: number): MetaRecord {
  try {
    return JSON.parse(line.toString('utf8')) as MetaRecord;
  } catch (e) {
    throw invalid(`line ${lineNo}: not JSON (${(e as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkIndex(rec: IndexRecord, lineNo: number): IndexRecord {
  if (typeof rec.name !== 'string' || rec.name === '')
    throw invalid(`line ${lineNo}: index record without name`);
  return {
    meta: 'index',
    name: rec.name,
    settings: isObject(rec.settings) ? rec.settings : {},
    mappings: isObject(rec.mappings) ? rec.mappings : {},
    aliases: isObject(rec.aliases) ? rec.aliases : {},
  };
}

function checkTemplate(rec: TemplateRecord, lineNo: number): TemplateRecord {
  if (
    typeof rec.name !== 'string' ||
    !['legacy', 'composable', 'component'].includes(rec.kind) ||
    !isObject(rec.body)
  ) {
    throw invalid(
      `line ${lineNo}: template record needs a name, a kind (legacy, composable, component) and a body`,
    );
  }
  return rec;
}

function checkTrailer(rec: TrailerRecord, lineNo: number): TrailerRecord {
  const docs = rec.documents;
  if (!isObject(docs) || Object.values(docs).some((n) => typeof n !== 'number' || !Number.isSafeInteger(n))) {
    throw invalid(`line ${lineNo}: the trailer has no per-index document counts`);
  }
  return rec;
}
