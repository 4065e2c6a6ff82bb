/**
 * Reads every document of the selected indices in parallel, from one consistent snapshot:
 * - with a point in time (Elasticsearch ≥ 7.10, OpenSearch ≥ 2.4): one PIT over all indices,
 *   opened once, counted once, read by `slices` workers that take (index, shard) tasks — large
 *   ones split by `_seq_no` range (./slice-plan.ts) — and page with `search_after` on `_doc`,
 *   closed at the end (also on failure);
 * - without (Elasticsearch 6.8): one sliced scroll over all indices, every slice opened at the
 *   same moment (each slice is its own search context, so the cut is per slice, milliseconds
 *   apart), the scroll contexts cleared at the end.
 * Pages go to the sink as raw document lines (./search-page.ts). Each worker reads into two
 * buffers it reuses, one only after the sink wrote its page out (`DoubleBuffer`): a slow stdout
 * holds the workers back, and at most two pages per worker are in memory however large the dump.
 * Every page asks `allow_partial_search_results=false`, and the counts read are checked against
 * the snapshot's own counts at the end.
 */
import { StowageError } from '../../errors.ts';
import type { ClusterInfo } from './cluster-info.ts';
import { SearchHttpError, type SearchClient } from './http-client.ts';
import type { BodyBuffer } from './http-transport.ts';
import type { IndexInfo } from './list-indices.ts';
import {
  closePit,
  countPit,
  openPit,
  searchTarget,
  targetQuery,
  touchPit,
  type PointInTime,
  type SearchTarget,
} from './point-in-time.ts';
import { pageLines, type PageLines } from './search-page.ts';
import {
  MIN_SPLIT_DOCS,
  nextPageSize,
  planPitTasks,
  scrollSlices,
  splitTasks,
  type PitTask,
  type SeqNoRange,
  type SliceSpec,
} from './slice-plan.ts';

/** Takes a page; may wait (backpressure), and should stop waiting when `signal` aborts. */
export type PageSink = (page: PageLines, signal: AbortSignal) => Promise<void>;

export interface ReadOptions {
  /** Parallel slices (workers). */
  slices: number;
  batchSize: number;
  signal?: AbortSignal;
  /** Warnings and retries, for the log. */
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** PIT keep-alive per request and how often the whole PIT is touched (tests shorten them). */
  keepAlive?: string;
  touchEveryMs?: number;
}

export interface DocumentSnapshot {
  readonly method: 'point-in-time' | 'scroll';
  /** When the snapshot was taken (the PIT opened, the scroll slices were started). */
  readonly createdAt: Date;
  /** Documents in the snapshot. */
  readonly total: number;
  /** Per index, where the snapshot can count them (PIT). */
  readonly expected: Readonly<Record<string, number>> | undefined;
  /** Documents handed to the sink so far. */
  readonly documentsRead: number;
  /**
   * Reads everything into `sink`; resolves with the documents read per index once all slices
   * finished and the counts match the snapshot. `onIndexDone` is called when an index has been
   * read completely (PIT only: a scroll's slices span all indices).
   */
  read(
    sink: PageSink,
    onIndexDone?: (index: string) => void | Promise<void>,
  ): Promise<Record<string, number>>;
  /** Frees the snapshot on the cluster; safe to call more than once and after a failure. */
  close(): Promise<void>;
}

const KEEP_ALIVE = '5m';
/** Scroll contexts cannot be touched: their keep-alive has to cover a stalled restic. */
const SCROLL_KEEP_ALIVE = '30m';
const TOUCH_EVERY_MS = 60_000;

export function hitsFilterPath(info: Pick<ClusterInfo, 'mappingTypes'>, extra: string[]): string {
  const fields = ['_index', ...(info.mappingTypes ? ['_type'] : []), '_id', '_routing', '_source'];
  return [...extra, ...fields.map((f) => `hits.hits.${f}`)].join(',');
}

export async function openSnapshot(
  client: SearchClient,
  info: ClusterInfo,
  indices: readonly IndexInfo[],
  options: ReadOptions,
): Promise<DocumentSnapshot> {
  const target = searchTarget(
    indices.map((i) => i.name),
    info.hiddenIndices && indices.some((i) => i.hidden || i.name.startsWith('.')),
  );
  const src: SnapshotSource = { client, info, indices, options };
  return info.pit ? PitSnapshot.open(src, target) : ScrollSnapshot.open(src, target);
}

/** What a snapshot reads from, and how. */
interface SnapshotSource {
  client: SearchClient;
  info: ClusterInfo;
  indices: readonly IndexInfo[];
  options: ReadOptions;
}

class PitSnapshot implements DocumentSnapshot {
  readonly method = 'point-in-time';
  readonly createdAt: Date;
  readonly total: number;
  readonly expected: Record<string, number>;
  documentsRead = 0;
  readonly #src: SnapshotSource;
  #pit: PointInTime;
  readonly #keepAlive: string;
  #ticker: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  private constructor(
    src: SnapshotSource,
    pit: PointInTime,
    createdAt: Date,
    counts: { total: number; perIndex: Record<string, number> },
  ) {
    this.#src = src;
    this.#pit = pit;
    this.#keepAlive = src.options.keepAlive ?? KEEP_ALIVE;
    this.createdAt = createdAt;
    this.total = counts.total;
    this.expected = Object.fromEntries(src.indices.map((i) => [i.name, counts.perIndex[i.name] ?? 0]));
  }

  static async open(src: SnapshotSource, target: SearchTarget): Promise<PitSnapshot> {
    const { client, info, indices, options } = src;
    const keepAlive = options.keepAlive ?? KEEP_ALIVE;
    const createdAt = new Date();
    const pit = await openPit(client, info.pit!, target, keepAlive, options.signal);
    try {
      const counts = await countPit(client, pit, target, indices.length, keepAlive, options.signal);
      const snapshot = new PitSnapshot(src, pit, createdAt, counts);
      snapshot.#startTicker();
      return snapshot;
    } catch (e) {
      await closePit(client, pit).catch(() => {});
      throw e;
    }
  }

  #startTicker(): void {
    this.#ticker = setInterval(() => {
      touchPit(this.#src.client, this.#pit, this.#keepAlive, this.#src.options.signal).catch((e: unknown) =>
        this.#src.options.log?.('warn', 'could not extend the point in time', { err: (e as Error).message }),
      );
    }, this.#src.options.touchEveryMs ?? TOUCH_EVERY_MS);
    this.#ticker.unref();
  }

  async read(
    sink: PageSink,
    onIndexDone?: (index: string) => void | Promise<void>,
  ): Promise<Record<string, number>> {
    const tasks = await this.#plan();
    const remaining = new Map<string, number>();
    for (const t of tasks) remaining.set(t.index, (remaining.get(t.index) ?? 0) + 1);
    const read: Record<string, number> = Object.fromEntries(this.#src.indices.map((i) => [i.name, 0]));
    let next = 0;
    await runWorkers(
      Math.min(this.#src.options.slices, tasks.length),
      this.#src.options.signal,
      async (signal) => {
        const buffers = new DoubleBuffer();
        while (next < tasks.length) {
          const task = tasks[next++]!;
          // (not `read[i] += await …`: that reads read[i] before the await and loses updates)
          const n = await this.#readTask(task, sink, signal, buffers);
          read[task.index]! += n;
          const left = remaining.get(task.index)! - 1;
          remaining.set(task.index, left);
          if (left === 0) {
            await buffers.drain();
            await onIndexDone?.(task.index);
          }
        }
        await buffers.drain();
      },
    );
    const wrong = Object.entries(this.expected).filter(([name, n]) => read[name] !== n);
    if (wrong.length > 0) {
      throw new StowageError(
        'DUMP_INCOMPLETE',
        `the dump read a different number of documents than the point in time holds: ${wrong
          .map(([name, n]) => `${name} read ${read[name] ?? 0} of ${n}`)
          .join(', ')}`,
      );
    }
    return read;
  }

  /** One task per shard; split by `_seq_no` where slices would idle (./slice-plan.ts). */
  async #plan(): Promise<PitTask[]> {
    const tasks = planPitTasks(this.#src.indices, this.expected);
    const workers = this.#src.options.slices;
    const share = tasks.reduce((sum, t) => sum + t.estimate, 0) / workers;
    const candidates = [
      ...new Set(
        tasks
          .filter(
            (t) => t.estimate >= 2 * MIN_SPLIT_DOCS && (tasks.length < workers || t.estimate > 1.5 * share),
          )
          .map((t) => t.index),
      ),
    ];
    if (candidates.length === 0) return tasks;
    const maxSeqNo = await maxSeqNos(this.#src.client, candidates, this.#src.options.signal);
    return splitTasks(tasks, workers, maxSeqNo);
  }

  async #readTask(
    task: PitTask,
    sink: PageSink,
    signal: AbortSignal,
    buffers: DoubleBuffer,
  ): Promise<number> {
    const filterPath = hitsFilterPath(this.#src.info, ['pit_id', 'hits.hits.sort']);
    let after: unknown[] | undefined;
    let docs = 0;
    let bytes = 0;
    for (;;) {
      const size = nextPageSize(this.#src.options.batchSize, bytes, docs);
      const body = {
        pit: { id: this.#pit.id, keep_alive: this.#keepAlive },
        size,
        sort: ['_doc'],
        query: task.seqNo
          ? { bool: { filter: [{ term: { _index: task.index } }, { range: { _seq_no: task.seqNo } }] } }
          : { term: { _index: task.index } },
        track_total_hits: false,
        ...(task.slice ? { slice: task.slice } : {}),
        ...(after ? { search_after: after } : {}),
      };
      const into = await buffers.next();
      const res = await withRetry(
        () =>
          this.#src.client.requestBytes('POST', '/_search', body, {
            query: { filter_path: filterPath, allow_partial_search_results: false },
            signal,
            into,
          }),
        { signal, log: this.#src.options.log, what: `${task.index}${sliceLabel(task.slice, task.seqNo)}` },
      );
      const page = pageLines(res.body);
      if (page.meta.pit_id && page.meta.pit_id !== this.#pit.id) {
        // Elasticsearch may hand back a new id; the latest one is the one to use.
        this.#pit = { ...this.#pit, id: page.meta.pit_id };
      }
      if (page.count === 0) return docs;
      const stray = page.parts.find((p) => p.index !== task.index);
      if (stray) {
        throw new StowageError(
          'DUMP_INCONSISTENT',
          `a search of index ${task.index} returned a document of ${stray.index}`,
        );
      }
      docs += page.count;
      bytes += page.bytes.length;
      this.documentsRead += page.count;
      buffers.hand(sink(page, signal));
      // A short page is the last one: no need to ask for an empty one.
      if (page.count < size) return docs;
      after = page.lastSort;
      if (!after)
        throw new StowageError('DUMP_INCONSISTENT', `a page of ${task.index} came without sort values`);
    }
  }

  close(): Promise<void> {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#closed ??= closePit(this.#src.client, this.#pit);
    return this.#closed;
  }
}

class ScrollSnapshot implements DocumentSnapshot {
  readonly method = 'scroll';
  readonly createdAt: Date;
  readonly expected = undefined;
  documentsRead = 0;
  readonly #src: SnapshotSource;
  /** Per slice: its first page, its total, and its latest scroll id. */
  readonly #slices: Array<{
    slice: SliceSpec | undefined;
    first: PageLines;
    total: number;
    scrollId: string;
  }>;
  readonly #scrollIds = new Set<string>();
  #closed: Promise<void> | undefined;

  private constructor(src: SnapshotSource, createdAt: Date) {
    this.#src = src;
    this.createdAt = createdAt;
    this.#slices = [];
  }

  get total(): number {
    return this.#slices.reduce((sum, s) => sum + s.total, 0);
  }

  static async open(src: SnapshotSource, target: SearchTarget): Promise<ScrollSnapshot> {
    const { client, info, indices, options } = src;
    const snapshot = new ScrollSnapshot(src, new Date());
    const max = scrollSlices(options.slices, indices);
    const query = targetQuery(target);
    const filterPath = hitsFilterPath(info, ['_scroll_id', 'hits.total']);
    const opened = await Promise.allSettled(
      Array.from({ length: max }, async (_, id) => {
        const slice = max > 1 ? { id, max } : undefined;
        const res = await withRetry(
          () =>
            client.requestBytes(
              'POST',
              `${target.path}/_search`,
              {
                size: options.batchSize,
                sort: ['_doc'],
                // Elasticsearch ≥ 7 counts only to 10 000 unless asked; the count is checked.
                track_total_hits: true,
                ...(slice ? { slice } : {}),
                ...(query ? { query } : {}),
              },
              {
                query: {
                  scroll: SCROLL_KEEP_ALIVE,
                  filter_path: filterPath,
                  expand_wildcards: target.expandWildcards,
                  allow_partial_search_results: false,
                },
                ...(options.signal ? { signal: options.signal } : {}),
              },
            ),
          { signal: options.signal, log: options.log, what: `scroll${sliceLabel(slice)}` },
        );
        const first = pageLines(res.body);
        const scrollId = first.meta._scroll_id;
        if (!scrollId)
          throw new StowageError('DUMP_INCONSISTENT', 'a scroll search answered without _scroll_id');
        snapshot.#scrollIds.add(scrollId);
        const total = first.meta.hits?.total;
        return { slice, first, scrollId, total: typeof total === 'number' ? total : (total?.value ?? 0) };
      }),
    );
    for (const o of opened) if (o.status === 'fulfilled') snapshot.#slices.push(o.value);
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) {
      await snapshot.close().catch(() => {});
      throw failed.reason;
    }
    return snapshot;
  }

  async read(sink: PageSink): Promise<Record<string, number>> {
    const read: Record<string, number> = Object.fromEntries(this.#src.indices.map((i) => [i.name, 0]));
    const filterPath = hitsFilterPath(this.#src.info, ['_scroll_id']);
    const count = (page: PageLines) => {
      for (const part of page.parts) read[part.index] = (read[part.index] ?? 0) + part.count;
      this.documentsRead += page.count;
    };
    let nextSlice = 0;
    await runWorkers(this.#slices.length, this.#src.options.signal, async (signal) => {
      const buffers = new DoubleBuffer();
      while (nextSlice < this.#slices.length) {
        const s = this.#slices[nextSlice++]!;
        let docs = s.first.count;
        count(s.first);
        await sink(s.first, signal);
        while (docs < s.total && s.first.count > 0) {
          // Only a rejected (429) scroll request may be sent again: any other failure may have
          // moved the scroll on, and a retry would skip a page.
          const into = await buffers.next();
          const res = await withRetry(
            () =>
              this.#src.client.requestBytes(
                'POST',
                '/_search/scroll',
                { scroll: SCROLL_KEEP_ALIVE, scroll_id: s.scrollId },
                { query: { filter_path: filterPath }, signal, into },
              ),
            { signal, log: this.#src.options.log, what: `scroll${sliceLabel(s.slice)}`, only429: true },
          );
          const page = pageLines(res.body);
          if (page.meta._scroll_id && page.meta._scroll_id !== s.scrollId) {
            s.scrollId = page.meta._scroll_id;
            this.#scrollIds.add(s.scrollId);
          }
          if (page.count === 0) break;
          docs += page.count;
          count(page);
          buffers.hand(sink(page, signal));
        }
        await buffers.drain();
        if (docs !== s.total) {
          throw new StowageError(
            'DUMP_INCOMPLETE',
            `scroll slice${sliceLabel(s.slice)} read ${docs} documents of the ${s.total} it holds`,
          );
        }
      }
    });
    return read;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#scrollIds.size === 0) return;
      await this.#src.client.request(
        'DELETE',
        '/_search/scroll',
        { scroll_id: [...this.#scrollIds] },
        { accept: [404] },
      );
    })();
    return this.#closed;
  }
}

/**
 * Two receive buffers per worker: a response is read into one while the sink still writes the page
 * of the other, and a buffer is reused only once the sink released its page. So a worker never
 * has more than two pages, and after the first pages no large buffer is allocated again.
 */
export class DoubleBuffer {
  readonly #buffers: BodyBuffer[] = [{ buffer: Buffer.alloc(0) }, { buffer: Buffer.alloc(0) }];
  readonly #pending: Array<Promise<void> | undefined> = [undefined, undefined];
  #turn = 0;

  /** The buffer for the next response, once the page last read into it was released. */
  async next(): Promise<BodyBuffer> {
    const pending = this.#pending[this.#turn];
    if (pending) {
      this.#pending[this.#turn] = undefined;
      await pending;
    }
    return this.#buffers[this.#turn]!;
  }

  /** The sink's promise for the page read into the buffer `next` gave last. */
  hand(released: Promise<void>): void {
    released.catch(() => {}); // awaited by next() or drain()
    this.#pending[this.#turn] = released;
    this.#turn ^= 1;
  }

  /** Waits until the sink released every page. */
  async drain(): Promise<void> {
    const pending = this.#pending.filter((p) => p !== undefined);
    this.#pending[0] = this.#pending[1] = undefined;
    await Promise.all(pending);
  }
}

function sliceLabel(slice: SliceSpec | undefined, seqNo?: SeqNoRange): string {
  const range = seqNo ? ` [_seq_no ${seqNo.gte}..${seqNo.lt ?? ''}]` : '';
  return `${slice ? ` [slice ${slice.id}/${slice.max}]` : ''}${range}`;
}

/** The highest `_seq_no` of each index, over its shards (a few indices: the ones worth splitting). */
async function maxSeqNos(
  client: SearchClient,
  names: string[],
  signal?: AbortSignal,
): Promise<Record<string, number>> {
  const res = await client.request<{
    indices?: Record<string, { shards?: Record<string, Array<{ seq_no?: { max_seq_no?: number } }>> }>;
  }>('GET', `/${names.map((n) => encodeURIComponent(n)).join(',')}/_stats/docs`, undefined, {
    query: { level: 'shards', filter_path: 'indices.*.shards.*.seq_no.max_seq_no' },
    ...(signal ? { signal } : {}),
  });
  const out: Record<string, number> = {};
  for (const [name, idx] of Object.entries(res.body.indices ?? {})) {
    const all = Object.values(idx.shards ?? {}).flatMap((copies) =>
      copies.map((c) => c.seq_no?.max_seq_no ?? -1),
    );
    out[name] = Math.max(-1, ...all);
  }
  return out;
}

/**
 * Runs `count` workers; the first failure aborts the others (their requests are cancelled) and is
 * what this rejects with once all have stopped.
 */
export async function runWorkers(
  count: number,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  let first: { error: unknown } | undefined;
  try {
    await Promise.all(
      Array.from({ length: count }, () =>
        work(controller.signal).catch((error: unknown) => {
          if (!first) {
            first = { error };
            controller.abort(error);
          }
        }),
      ),
    );
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (first) throw first.error;
  outer?.throwIfAborted();
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Retries transient failures (overload, a proxy's 5xx, a dropped connection) with backoff. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: {
    signal: AbortSignal | undefined;
    log: ReadOptions['log'];
    what: string;
    only429?: boolean;
    attempts?: number;
    baseDelayMs?: number;
  },
): Promise<T> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      options.signal?.throwIfAborted();
      const transient =
        e instanceof SearchHttpError
          ? options.only429
            ? e.status === 429
            : RETRY_STATUSES.has(e.status)
          : !options.only429 && e instanceof StowageError && e.code === 'DATABASE_UNREACHABLE';
      if (!transient || attempt >= attempts) throw e;
      const delay = (options.baseDelayMs ?? 500) * 2 ** (attempt - 1);
      options.log?.('warn', 'retrying a search', {
        what: options.what,
        attempt,
        delayMs: delay,
        err: (e as Error).message,
      });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, delay);
        options.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            reject(options.signal!.reason as Error);
          },
          { once: true },
        );
      });
    }
  }
}
