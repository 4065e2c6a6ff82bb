/**
 * Reads one data line (`{"_index":…,"_type"?:…,"_id":…,"_routing"?:…,"_source":{…}}`) into what a
 * bulk action needs, keeping `_source` as the raw bytes it arrived as: no JSON.parse/stringify of
 * the document, so a big integer or a float's exact text survives and the load spends its CPU on
 * the network rather than on JSON.
 *
 * Fast path (Stowage's own stream lines, `_source` last by contract): the small head before the
 * first literal `,"_source":` is parsed, the source is the rest up to the line's final `}`. The
 * head's values are JSON strings, so that literal cannot occur inside them unescaped. A head with
 * any other key, with spaces, or a line from another writer (elasticdump's carry `_score`) takes
 * the exact path: a byte scanner that finds the `_source` value's extent in any key order (about
 * 70 % of the fast path's speed, still far above what a cluster indexes).
 */
import { StowageError } from '../../errors.ts';

export interface DocumentRef {
  index: string;
  /** Elasticsearch 6 mapping type, when the line has one. */
  type: string | undefined;
  id: string;
  routing: string | undefined;
  /** The `_source` JSON text, as bytes. */
  source: Buffer;
}

const SOURCE_MARK = Buffer.from(',"_source":');
const HEAD_KEYS = new Set(['_index', '_type', '_id', '_routing']);

/**
 * Throws a StowageError (`ARCHIVE_INVALID`) naming `where` when the line is not a document.
 * `sourceLast`: the writer guarantees `_source` is the last key (Stowage's stream); lines of other
 * writers always take the exact path, since a key after `_source` (`fields` of stored fields,
 * `sort`) would otherwise end up inside the source.
 */
export function parseDocumentLine(line: Buffer, where: string, sourceLast = true): DocumentRef {
  return (sourceLast ? fastPath(line) : undefined) ?? slowPath(line, where);
}

function fastPath(line: Buffer): DocumentRef | undefined {
  const mark = line.indexOf(SOURCE_MARK);
  if (mark <= 0) return undefined;
  let end = line.length - 1;
  while (end > mark && isSpace(line[end]!)) end--;
  if (line[end] !== 0x7d /* } */) return undefined;
  let start = mark + SOURCE_MARK.length;
  while (start < end && isSpace(line[start]!)) start++;
  if (line[start] !== 0x7b /* { */) return undefined;
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(`${line.toString('utf8', 0, mark)}}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (head === null || typeof head !== 'object') return undefined;
  for (const k in head) if (!HEAD_KEYS.has(k)) return undefined;
  const { _index: index, _type: type, _id: id, _routing: routing } = head;
  if (typeof index !== 'string' || typeof id !== 'string') return undefined;
  if (type !== undefined && typeof type !== 'string') return undefined;
  if (routing !== undefined && typeof routing !== 'string') return undefined;
  return { index, type, id, routing, source: line.subarray(start, end) };
}

function slowPath(line: Buffer, where: string): DocumentRef {
  const bad = (why: string): never => {
    throw new StowageError('ARCHIVE_INVALID', `${where} is not a document line: ${why}`);
  };
  return checkedDocument(lineFields(line, bad), bad);
}

/** A line's fields as found, before their types are checked. */
interface LineFields {
  index: unknown;
  type: unknown;
  id: unknown;
  routing: unknown;
  source: Buffer | undefined;
}

function lineFields(line: Buffer, bad: (why: string) => never): LineFields {
  const found: LineFields = {
    index: undefined,
    type: undefined,
    id: undefined,
    routing: undefined,
    source: undefined,
  };
  for (const [key, start, end] of scanObject(line, bad)) {
    const text = () => parseJson(line, start, end, bad);
    if (key === '_source') found.source = line.subarray(start, end);
    else if (key === '_index') found.index = text();
    else if (key === '_type') found.type = text();
    else if (key === '_id') found.id = text();
    else if (key === '_routing') found.routing = text();
    else if (key === 'fields' && found.routing === undefined) {
      // Old elasticdump lines carry routing as a stored field.
      const f = text() as { _routing?: unknown; routing?: unknown } | null;
      found.routing = f?._routing ?? f?.routing;
    }
  }
  return found;
}

function checkedDocument(found: LineFields, bad: (why: string) => never): DocumentRef {
  const { index, type, id, routing, source } = found;
  if (typeof index !== 'string') bad('no "_index" string');
  if (typeof id !== 'string' && typeof id !== 'number') bad('no "_id" string');
  if (source === undefined || source[0] !== 0x7b) {
    bad(`document "${String(id)}" has no "_source" object (is _source disabled in the index's mapping?)`);
  }
  if (type !== undefined && type !== null && typeof type !== 'string') bad('"_type" is not a string');
  if (routing !== undefined && routing !== null && typeof routing !== 'string')
    bad('"_routing" is not a string');
  return { index, type: type ?? undefined, id: String(id), routing: routing ?? undefined, source };
}

function parseJson(b: Buffer, start: number, end: number, bad: (why: string) => never): unknown {
  try {
    return JSON.parse(b.toString('utf8', start, end));
  } catch (e) {
    return bad((e as Error).message);
  }
}

/** The top-level keys of a JSON object and each value's byte range. */
export function scanObject(b: Buffer, bad: (why: string) => never): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  let i = skipSpace(b, 0);
  if (b[i] !== 0x7b) bad('it does not start with "{"');
  i = skipSpace(b, i + 1);
  if (b[i] === 0x7d) return out;
  for (;;) {
    if (b[i] !== 0x22) bad(`expected a key at byte ${i}`);
    const keyEnd = skipString(b, i, bad);
    const key = parseJson(b, i, keyEnd, bad) as string;
    i = skipSpace(b, keyEnd);
    if (b[i] !== 0x3a) bad(`expected ":" at byte ${i}`);
    const start = skipSpace(b, i + 1);
    const end = skipValue(b, start, bad);
    out.push([key, start, end]);
    i = skipSpace(b, end);
    if (b[i] === 0x2c) {
      i = skipSpace(b, i + 1);
      continue;
    }
    if (b[i] === 0x7d) {
      if (skipSpace(b, i + 1) !== b.length) bad(`unexpected text after the object at byte ${i + 1}`);
      return out;
    }
    bad(i >= b.length ? 'the line ends inside the object (cut short?)' : `unexpected byte at ${i}`);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipSpace(b: Buffer, i: number): number {
  while (i < b.length && isSpace(b[i]!)) i++;
  return i;
}

/** `b[i]` is `"`; returns the index after the closing quote. */
function skipString(b: Buffer, i: number, bad: (why: string) => never): number {
  for (let j = i + 1; j < b.length; j++) {
    const c = b[j]!;
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return bad('a string is not closed (line cut short?)');
}

/** Returns the index after the value that starts at `i`. */
function skipValue(b: Buffer, i: number, bad: (why: string) => never): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i, bad);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < b.length; j++) {
      const d = b[j]!;
      if (d === 0x22) j = skipString(b, j, bad) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return bad('an object is not closed (line cut short?)');
  }
  let j = i;
  while (j < b.length) {
    const d = b[j]!;
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
    j++;
  }
  if (j === i) bad(`expected a value at byte ${i}`);
  return j;
}
