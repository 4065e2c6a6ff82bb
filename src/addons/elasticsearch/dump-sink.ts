/**
 * Where a dump goes: the streaming layout (./stream-writer.ts) or multielasticdump's folder
 * (./folder-writer.ts). The dump core (./dump.ts) calls `begin` once with everything that is not a
 * document, `documents` for every page (concurrently, from the slice workers; a page may hold
 * several indices; the promise resolves when the sink is done with the page's bytes, which the
 * worker then reuses), `indexDone` when an index has been read completely (not for every read
 * method), and `end` after the last page; `abort` instead of `end` when the dump failed.
 */
import type { ArchiveHeader, IndexRecord, TemplateRecord, TrailerRecord } from './archive-format.ts';
import type { PageLines } from './search-page.ts';

export interface DumpSink {
  begin(header: ArchiveHeader, templates: TemplateRecord[], indices: IndexRecord[]): Promise<void>;
  documents(page: PageLines, signal: AbortSignal): Promise<void>;
  indexDone?(index: string): Promise<void>;
  end(trailer: TrailerRecord): Promise<void>;
  abort(): Promise<void>;
}
