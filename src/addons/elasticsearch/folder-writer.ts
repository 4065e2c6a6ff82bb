/**
 * The folder layout: multielasticdump's files (docs/search-engines.md, "multielasticdump folder
 * layout"), so a backup made by Stash restores with Stowage and one made here restores with
 * multielasticdump. Per index, as that section records them byte for byte:
 * - `<idx>.json`: the document lines (the stream's lines; multielasticdump's add `"_score":1`,
 *   which its loader drops), written through one file stream per index;
 * - `<idx>.settings.json` (and `<idx>.analyzer.json` when asked): a JSON string holding
 *   `{"<idx>":{"settings":{"index":{…}}}}`;
 * - `<idx>.mapping.json`: `{"<idx>":{"mappings":{…}}}` as an object;
 * - `<idx>.alias.json`: a JSON string holding `{"<idx>":{"aliases":{…}}}`, or `"{}"` without aliases;
 * - `<idx>.template.json`: a JSON string holding every legacy template, `{<name>: body}`, the same
 *   in every index's file;
 * each one line ending in `\n`. Then the manifest (./archive-format.ts, `folderManifestName`),
 * last, with the composable and component templates and the counts.
 * Files are created exclusively (`wx`): the folder is new, and a name clash fails loudly.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StowageError } from '../../errors.ts';
import {
  folderManifestName,
  type ArchiveHeader,
  type IndexRecord,
  type TemplateRecord,
  type TrailerRecord,
} from './archive-format.ts';
import type { DumpPart } from './dump-options.ts';
import type { DumpSink } from './dump-sink.ts';
import { OutputStream } from './output-stream.ts';
import type { PageLines } from './search-page.ts';

/** The per-index metadata files of multielasticdump's layout (pure; unit-tested). */
export function indexFiles(
  record: IndexRecord,
  legacyTemplates: readonly TemplateRecord[],
  parts: ReadonlySet<DumpPart>,
): Array<{ name: string; text: string }> {
  const idx = record.name;
  const doubled = (value: unknown) => `${JSON.stringify(JSON.stringify(value))}\n`;
  const files: Array<{ name: string; text: string }> = [];
  const settings = doubled({ [idx]: { settings: record.settings } });
  if (parts.has('settings')) files.push({ name: `${idx}.settings.json`, text: settings });
  if (parts.has('analyzer')) files.push({ name: `${idx}.analyzer.json`, text: settings });
  if (parts.has('mapping')) {
    files.push({
      name: `${idx}.mapping.json`,
      text: `${JSON.stringify({ [idx]: { mappings: record.mappings } })}\n`,
    });
  }
  if (parts.has('alias')) {
    const aliases = Object.keys(record.aliases).length > 0 ? { [idx]: { aliases: record.aliases } } : {};
    files.push({ name: `${idx}.alias.json`, text: doubled(aliases) });
  }
  if (parts.has('template')) {
    const legacy = Object.fromEntries(legacyTemplates.map((t) => [t.name, t.body]));
    files.push({ name: `${idx}.template.json`, text: doubled(legacy) });
  }
  return files;
}

export class FolderWriter implements DumpSink {
  readonly #dir: string;
  readonly #parts: ReadonlySet<DumpPart>;
  readonly #data = new Map<string, OutputStream>();
  readonly #done = new Set<string>();
  #header: ArchiveHeader | undefined;
  #templates: TemplateRecord[] = [];

  constructor(dir: string, parts: ReadonlySet<DumpPart>) {
    this.#dir = dir;
    this.#parts = parts;
  }

  async begin(header: ArchiveHeader, templates: TemplateRecord[], indices: IndexRecord[]): Promise<void> {
    this.#header = header;
    this.#templates = templates;
    const legacy = templates.filter((t) => t.kind === 'legacy');
    for (const record of indices) {
      for (const f of indexFiles(record, legacy, this.#parts)) await this.#create(f.name, f.text);
    }
  }

  async #create(name: string, text: string): Promise<void> {
    try {
      await writeFile(join(this.#dir, name), text, { flag: 'wx', mode: 0o640 });
    } catch (e) {
      throw new StowageError(
        'DUMP_OUTPUT_FAILED',
        `cannot write ${name} in ${this.#dir}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }

  #stream(index: string): OutputStream {
    let out = this.#data.get(index);
    if (!out) {
      if (this.#done.has(index))
        throw new StowageError('DUMP_INCONSISTENT', `documents of ${index} after it was complete`);
      const file = join(this.#dir, `${index}.json`);
      out = new OutputStream(
        createWriteStream(file, { flags: 'wx', mode: 0o640, highWaterMark: 1 << 20 }),
        file,
      );
      this.#data.set(index, out);
    }
    return out;
  }

  /** Resolves once every line of the page is in its file (the page's buffer may then be reused). */
  async documents(page: PageLines, signal: AbortSignal): Promise<void> {
    await Promise.all(
      page.parts.map((part) =>
        this.#stream(part.index).write(page.bytes.subarray(part.start, part.end), signal),
      ),
    );
  }

  /** Closes the index's data file early (fewer open files); an index without documents gets an empty one. */
  async indexDone(index: string): Promise<void> {
    if (this.#done.has(index)) return;
    const out = this.#data.get(index);
    this.#done.add(index);
    this.#data.delete(index);
    if (out) await out.end();
    else if (this.#parts.has('data')) await this.#create(`${index}.json`, '');
  }

  async end(trailer: TrailerRecord): Promise<void> {
    if (!this.#header) throw new Error('FolderWriter.end before begin');
    if (this.#parts.has('data')) {
      for (const index of this.#header.indices) await this.indexDone(index);
    }
    const lines = [this.#header, ...this.#templates, trailer].map((r) => `${JSON.stringify(r)}\n`);
    await this.#create(folderManifestName(this.#header.indices), lines.join(''));
  }

  abort(): Promise<void> {
    for (const out of this.#data.values()) out.destroy();
    this.#data.clear();
    return Promise.resolve();
  }
}
