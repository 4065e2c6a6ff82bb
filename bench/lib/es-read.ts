/**
 * The raw parallel read ceiling for the Elasticsearch bench: how fast this engine can hand out all
 * documents of the bench indices when nothing is done with them. Every index is read with one
 * slice per shard (OpenSearch 2.x has no `_shard_doc`, so that is the consistent way there, see
 * docs/search-engines.md) through a point in time with search_after on `_doc`, or a sliced scroll
 * where there is no PIT (Elasticsearch 6.8); `concurrency` slices are in flight at once, each page
 * `batch` documents. Bodies are read into memory and dropped: only their length is counted, the
 * hits are counted by scanning for `"_index":`, and the last hit's `sort` is cut out of the tail.
 * No JSON is built, so this is an upper bound for any dumper that has to parse what it reads.
 */
import type { EsClient, EsFlavor } from './es-http.ts';

export interface ReadCeiling {
  docs: number;
  bytes: number;
  seconds: number;
  docsPerSecond: number;
  mbPerSecond: number;
  requests: number;
  method: 'pit' | 'scroll';
  concurrency: number;
  batch: number;
}

interface Slice {
  index: string;
  id: number;
  max: number;
}

const INDEX_MARK = Buffer.from('{"_index":');
const SORT_MARK = Buffer.from('"sort":[');

function countHits(body: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(INDEX_MARK); at >= 0; at = body.indexOf(INDEX_MARK, at + INDEX_MARK.length)) n++;
  return n;
}

/** The last hit's sort values, e.g. `[12345]`, from the end of the body. */
function lastSort(body: Buffer): string {
  const at = body.lastIndexOf(SORT_MARK);
  if (at < 0) throw new Error('no sort values in a PIT page');
  const end = body.indexOf(']', at + SORT_MARK.length);
  return body.toString('utf8', at + SORT_MARK.length - 1, end + 1);
}

/** `"<field>":"<value>"` near the start of a body (the PIT id, the scroll id). */
function stringField(body: Buffer, field: string): string | undefined {
  const mark = `"${field}":"`;
  const text = body.toString('utf8', 0, Math.min(body.length, 64 * 1024));
  const at = text.indexOf(mark);
  return at < 0 ? undefined : text.slice(at + mark.length, text.indexOf('"', at + mark.length));
}

function scrollId(body: Buffer): string {
  const id = stringField(body, '_scroll_id');
  if (!id) throw new Error(`no _scroll_id in ${body.toString('utf8', 0, 300)}`);
  return id;
}

export async function readCeiling(
  es: EsClient,
  flavor: EsFlavor,
  indices: Array<{ name: string; shards: number }>,
  opts: { concurrency: number; batch: number; /** Sliced scroll even where PIT exists. */ scroll?: boolean },
): Promise<ReadCeiling> {
  const pitless = opts.scroll === true || (flavor.kind === 'elasticsearch' && flavor.major < 7);
  const slices: Slice[] = indices.flatMap((ix) =>
    Array.from({ length: ix.shards }, (_, id) => ({ index: ix.name, id, max: ix.shards })),
  );
  let docs = 0;
  let bytes = 0;
  let requests = 0;
  const page = async (method: string, path: string, body: unknown): Promise<Buffer> => {
    const res = await es.raw(method, path, body);
    requests++;
    if (res.status !== 200)
      throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.toString('utf8', 0, 500)}`);
    bytes += res.body.length;
    return res.body;
  };
  const sliceOf = (s: Slice) => (s.max > 1 ? { slice: { id: s.id, max: s.max } } : {});

  const readScroll = async (s: Slice): Promise<void> => {
    let body = await page('POST', `/${encodeURIComponent(s.index)}/_search?scroll=5m`, {
      size: opts.batch,
      sort: ['_doc'],
      ...sliceOf(s),
    });
    let id = scrollId(body);
    for (;;) {
      const n = countHits(body);
      docs += n;
      if (n === 0) break;
      body = await page('POST', '/_search/scroll', { scroll: '5m', scroll_id: id });
      id = scrollId(body);
    }
    await es.raw('DELETE', '/_search/scroll', { scroll_id: [id] });
  };

  const pits = new Map<string, string>();
  const openPit = async (index: string): Promise<string> => {
    const path =
      flavor.kind === 'opensearch'
        ? `/${encodeURIComponent(index)}/_search/point_in_time?keep_alive=5m`
        : `/${encodeURIComponent(index)}/_pit?keep_alive=5m`;
    const res = await es.json<{ pit_id?: string; id?: string }>('POST', path);
    const id = res.pit_id ?? res.id;
    if (!id) throw new Error(`no PIT id for ${index}`);
    return id;
  };
  const readPit = async (s: Slice): Promise<void> => {
    let pit = pits.get(s.index)!;
    let after: string | undefined;
    for (;;) {
      const query = `{"size":${opts.batch},"pit":{"id":${JSON.stringify(pit)},"keep_alive":"5m"},"sort":["_doc"],"track_total_hits":false${
        s.max > 1 ? `,"slice":{"id":${s.id},"max":${s.max}}` : ''
      }${after ? `,"search_after":${after}` : ''}}`;
      const body = await page('POST', '/_search', query);
      const n = countHits(body);
      docs += n;
      if (n < opts.batch) break;
      after = lastSort(body);
      pit = stringField(body, 'pit_id') ?? pit;
    }
  };

  const t0 = performance.now();
  if (!pitless) for (const ix of indices) pits.set(ix.name, await openPit(ix.name));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < slices.length) {
      const s = slices[next++]!;
      await (pitless ? readScroll(s) : readPit(s));
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, slices.length) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  for (const id of pits.values()) {
    if (flavor.kind === 'opensearch') await es.raw('DELETE', '/_search/point_in_time', { pit_id: [id] });
    else await es.raw('DELETE', '/_pit', { id });
  }
  return {
    docs,
    bytes,
    seconds,
    docsPerSecond: docs / seconds,
    mbPerSecond: bytes / 1e6 / seconds,
    requests,
    method: pitless ? 'scroll' : 'pit',
    concurrency: opts.concurrency,
    batch: opts.batch,
  };
}
