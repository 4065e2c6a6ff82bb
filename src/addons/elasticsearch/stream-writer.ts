/**
 * The streaming layout (./archive-format.ts): one NDJSON stream, header first, then the templates
 * and the index records, then the documents as the slices deliver them, then the trailer with the
 * documents written per index. Document pages are written as the bytes they arrived as; only the
 * few metadata records are serialised. Written to stdout, which restic reads with
 * --stdin-from-command; a full pipe holds the slice workers back (./output-stream.ts).
 */
import type { Writable } from 'node:stream';
import type { ArchiveHeader, IndexRecord, TemplateRecord, TrailerRecord } from './archive-format.ts';
import type { DumpSink } from './dump-sink.ts';
import { OutputStream } from './output-stream.ts';
import type { PageLines } from './search-page.ts';

export class StreamWriter implements DumpSink {
  readonly #out: OutputStream;

  constructor(out: Writable, name = 'the dump stream') {
    this.#out = new OutputStream(out, name);
  }

  async begin(header: ArchiveHeader, templates: TemplateRecord[], indices: IndexRecord[]): Promise<void> {
    const records = [header, ...templates, ...indices].map((r) => `${JSON.stringify(r)}\n`);
    await this.#out.write(records.join(''));
  }

  /** Resolves once the page left the process (its buffer may then be reused). */
  async documents(page: PageLines, signal: AbortSignal): Promise<void> {
    if (page.bytes.length > 0) await this.#out.write(page.bytes, signal);
  }

  async end(trailer: TrailerRecord): Promise<void> {
    // Resolves once the trailer, the last of the stream, has left the process.
    await this.#out.write(`${JSON.stringify(trailer)}\n`);
  }

  abort(): Promise<void> {
    // stdout stays open: the process exits non-zero and restic drops the snapshot.
    return Promise.resolve();
  }
}
