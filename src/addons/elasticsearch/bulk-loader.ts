/**
 * Concurrent `_bulk` requests with bounded memory: documents gather into a batch until it reaches
 * `bulkBytes` (or `bulkDocs`); at most `concurrency` batches are in flight, and `add` hands the
 * caller a promise to wait on while they are, so the reader stops reading (backpressure).
 *
 * Rejections: a whole request answered 429 (or 502/503/504, or a dropped connection — `index` is
 * idempotent) is sent again; inside a 200 answer, only the items rejected with 429 are sent again.
 * Both wait with exponential backoff (jittered between half and all of the step), and give up
 * after `retryTimeoutMs` without progress with an error that says what to change. Any other item error fails the load,
 * naming the index, the document id and the engine's reason.
 */
import { StowageError, errorMessage } from '../../errors.ts';

export interface BulkAnswer {
  status: number;
  body: string;
}

/** Sends one `_bulk` body; throws for transport failures (retryable ones carry `retryable`). */
export type BulkSend = (body: Buffer, signal: AbortSignal) => Promise<BulkAnswer>;

export interface BulkLoaderOptions {
  concurrency: number;
  bulkBytes: number;
  bulkDocs?: number | undefined;
  retryTimeoutMs: number;
  /** First backoff step and cap, in ms (defaults 100 and 10 000). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface BulkStats {
  /** Documents the engine acknowledged. */
  documents: number;
  /** Acknowledged documents per index. */
  perIndex: Map<string, number>;
  /** Bulk requests sent, retries included. */
  requests: number;
  /** Whole requests sent again after 429/5xx/a dropped connection. */
  retriedRequests: number;
  /** Items sent again after a per-item 429. */
  retriedItems: number;
  /** Bytes of bulk bodies sent, retries included. */
  bytes: number;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
/** Room past `bulkBytes` in a batch buffer, so a typical document never forces a new one. */
const SLACK = 256 * 1024;

/** Index names as small numbers, shared by a loader's batches (no string per document). */
export class IndexNames {
  readonly #list: string[] = [];
  readonly #numbers = new Map<string, number>();

  number(name: string): number {
    let n = this.#numbers.get(name);
    if (n === undefined) {
      n = this.#list.length;
      this.#list.push(name);
      this.#numbers.set(name, n);
    }
    return n;
  }

  name(n: number): string {
    return this.#list[n]!;
  }
}

/**
 * The documents of one bulk request, copied into one buffer as they arrive (the body as sent):
 * the input's chunks are free as soon as their lines are copied, and a bulk in flight costs its
 * body's bytes plus two typed arrays; nothing per document stays on the JS heap, so a long load
 * does not grow it. Item `i` is `buf[starts[i], starts[i + 1])`; its id is read back from its
 * action line only for an error message.
 */
export class Batch {
  buf: Buffer;
  pos = 0;
  length = 0;
  starts: Uint32Array;
  indexOf: Uint32Array;
  readonly names: IndexNames;

  constructor(names: IndexNames, capacity: number | Buffer, slots = 1024) {
    this.names = names;
    this.buf = typeof capacity === 'number' ? Buffer.allocUnsafe(capacity) : capacity;
    this.starts = new Uint32Array(slots);
    this.indexOf = new Uint32Array(slots);
  }

  /** Whether an action (≤ 3 bytes per UTF-16 unit) and a source fit without growing. */
  fits(action: string, source: Buffer): boolean {
    return this.pos + action.length * 3 + source.length + 1 <= this.buf.length;
  }

  push(index: string, action: string, source: Buffer): void {
    if (!this.fits(action, source)) {
      const grown = Buffer.allocUnsafe(
        Math.max(this.buf.length * 2, this.pos + action.length * 3 + source.length + 1),
      );
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    this.#slot(this.pos, this.names.number(index));
    this.pos += this.buf.write(action, this.pos, 'utf8');
    this.pos += source.copy(this.buf, this.pos);
    this.buf[this.pos++] = 0x0a;
  }

  body(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  index(i: number): string {
    return this.names.name(this.indexOf[i]!);
  }

  /** The `_id` of item `i`, read from its action line. */
  id(i: number): string {
    const start = this.starts[i]!;
    const end = this.buf.indexOf(0x0a, start);
    try {
      const action = JSON.parse(this.buf.toString('utf8', start, end)) as Record<string, { _id?: unknown }>;
      return String(Object.values(action)[0]?._id);
    } catch {
      return '?';
    }
  }

  /** A new batch with the items at `positions` (for a retry). */
  subset(positions: readonly number[]): Batch {
    let size = 0;
    for (const i of positions) size += this.#end(i) - this.starts[i]!;
    const out = new Batch(this.names, size, Math.max(1, positions.length));
    for (const i of positions) {
      out.#slot(out.pos, this.indexOf[i]!);
      out.pos += this.buf.copy(out.buf, out.pos, this.starts[i], this.#end(i));
    }
    return out;
  }

  /** Empties the batch for reuse (its buffers stay). */
  reset(): void {
    this.pos = 0;
    this.length = 0;
  }

  #slot(start: number, indexNo: number): void {
    if (this.length === this.starts.length) {
      const starts = new Uint32Array(this.length * 2);
      const indexOf = new Uint32Array(this.length * 2);
      starts.set(this.starts);
      indexOf.set(this.indexOf);
      this.starts = starts;
      this.indexOf = indexOf;
    }
    this.starts[this.length] = start;
    this.indexOf[this.length] = indexNo;
    this.length++;
  }

  #end(i: number): number {
    return i + 1 < this.length ? this.starts[i + 1]! : this.pos;
  }
}

export class BulkLoader {
  readonly stats: BulkStats = {
    documents: 0,
    perIndex: new Map(),
    requests: 0,
    retriedRequests: 0,
    retriedItems: 0,
    bytes: 0,
  };
  readonly #send: BulkSend;
  readonly #o: Required<Omit<BulkLoaderOptions, 'bulkDocs'>> & { bulkDocs: number };
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #names = new IndexNames();
  #batch: Batch;
  /** Finished batches, reused: memory stays at (concurrency + 1) bulks, not at GC's whim. */
  readonly #free: Batch[] = [];
  #failure: Error | undefined;

  constructor(send: BulkSend, options: BulkLoaderOptions) {
    this.#send = send;
    this.#o = {
      concurrency: options.concurrency,
      bulkBytes: options.bulkBytes,
      bulkDocs: options.bulkDocs ?? Number.POSITIVE_INFINITY,
      retryTimeoutMs: options.retryTimeoutMs,
      backoffBaseMs: options.backoffBaseMs ?? 100,
      backoffMaxMs: options.backoffMaxMs ?? 10_000,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? abortableSleep,
      now: options.now ?? Date.now,
    };
    this.#batch = this.#newBatch();
  }

  /** Aborts what is in flight (the next `add`/`flush` throws the reason). */
  abort(reason: unknown): void {
    this.#failure ??= reason instanceof Error ? reason : new Error(String(reason));
    this.#abort.abort(reason);
  }

  /**
   * Queues a document: `action` is its action line (`\n` included), `source` its JSON. When this
   * returns a promise, await it before adding more.
   */
  add(index: string, action: string, source: Buffer): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    let wait: Promise<void> | undefined;
    // A document that does not fit goes into the next batch rather than growing this one.
    if (this.#batch.length > 0 && !this.#batch.fits(action, source)) wait = this.#dispatch();
    this.#batch.push(index, action, source);
    if (this.#batch.pos >= this.#o.bulkBytes || this.#batch.length >= this.#o.bulkDocs) {
      // Dispatches one after the other, so the bulks in flight never exceed `concurrency`.
      wait = wait ? wait.then(() => this.#dispatch()) : this.#dispatch();
    }
    return wait;
  }

  /** Sends what is queued and waits for every request; throws the first failure. */
  async flush(): Promise<void> {
    if (this.#batch.length > 0) await this.#dispatch();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  #newBatch(): Batch {
    return this.#free.pop() ?? new Batch(this.#names, this.#o.bulkBytes + SLACK);
  }

  #release(batch: Batch): void {
    if (batch.buf.length === this.#o.bulkBytes + SLACK && this.#free.length <= this.#o.concurrency) {
      batch.reset();
      this.#free.push(batch);
    }
  }

  async #dispatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = this.#newBatch();
    while (this.#inFlight.size >= this.#o.concurrency) await Promise.race(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
    const p: Promise<void> = this.#sendBatch(batch)
      .then(() => this.#release(batch))
      .catch((e: unknown) => this.abort(e))
      .finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #sendBatch(batch: Batch): Promise<void> {
    const signal = this.#abort.signal;
    let pending = batch;
    let attempt = 0;
    let rejectedSince: number | undefined;
    for (;;) {
      signal.throwIfAborted();
      const body = pending.body();
      this.stats.requests++;
      this.stats.bytes += body.length;
      let why: string;
      let retry: Batch;
      try {
        const answer = await this.#send(body, signal);
        if (RETRY_STATUSES.has(answer.status)) {
          why = `HTTP ${answer.status}: ${reasonOf(answer.body)}`;
          retry = pending;
          this.stats.retriedRequests++;
        } else if (answer.status >= 300) {
          throw requestFailed(answer, pending.length, body.length);
        } else {
          const result = this.#settle(pending, answer.body);
          if (result.rejected.length === 0) return;
          if (result.rejected.length < pending.length) {
            // Progress: the time limit is on rejection without progress, not on a slow load.
            rejectedSince = undefined;
            attempt = Math.max(0, attempt - 1);
          }
          retry = pending.subset(result.rejected);
          why = result.reason;
          this.stats.retriedItems += retry.length;
        }
      } catch (e) {
        if (signal.aborted || !(e instanceof StowageError && e.retryable)) throw e;
        why = errorMessage(e);
        retry = pending;
        this.stats.retriedRequests++;
      }
      const now = this.#o.now();
      rejectedSince ??= now;
      const cap = Math.min(this.#o.backoffMaxMs, this.#o.backoffBaseMs * 2 ** attempt);
      const delay = Math.round(cap * (0.5 + 0.5 * this.#o.random()));
      if (now - rejectedSince + delay > this.#o.retryTimeoutMs) {
        throw new StowageError(
          'DATABASE_OVERLOADED',
          `the cluster kept rejecting ${retry.length} document(s) (first in index "${retry.index(0)}") for ${Math.round((now - rejectedSince) / 1000)}s (last: ${why}); give it more capacity, lower --concurrency or --bulk-bytes, or raise --retry-timeout`,
          {},
        );
      }
      attempt++;
      pending = retry;
      await this.#o.sleep(delay, signal);
    }
  }

  /** Counts acknowledged items; returns the positions rejected with 429; throws for other errors. */
  #settle(batch: Batch, text: string): { rejected: number[]; reason: string } {
    let answer: { errors?: boolean; items?: Array<Record<string, BulkItemResult>> };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new StowageError(
        'DATABASE_REQUEST_FAILED',
        `_bulk answered with something that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    const results = answer.items ?? [];
    if (results.length !== batch.length) {
      throw new StowageError(
        'DATABASE_REQUEST_FAILED',
        `_bulk answered ${results.length} item results for ${batch.length} documents`,
      );
    }
    const rejected: number[] = [];
    let reason = '';
    const perIndex = this.stats.perIndex;
    for (let i = 0; i < results.length; i++) {
      const r = firstValue(results[i]!);
      const status = r?.status ?? 0;
      const index = batch.index(i);
      if (status >= 200 && status < 300) {
        this.stats.documents++;
        perIndex.set(index, (perIndex.get(index) ?? 0) + 1);
      } else if (status === 429) {
        rejected.push(i);
        reason ||= `item HTTP 429: ${describeError(r?.error)}`;
      } else {
        throw new StowageError(
          'DOCUMENT_REJECTED',
          `index "${index}", document "${batch.id(i)}": ${describeError(r?.error)} (HTTP ${status})`,
        );
      }
    }
    return { rejected, reason };
  }
}

interface BulkItemResult {
  status?: number;
  error?: unknown;
}

function firstValue(o: Record<string, BulkItemResult>): BulkItemResult | undefined {
  for (const k in o) return o[k];
  return undefined;
}

/** `type: reason (caused by: type: reason)` of an item error. */
export function describeError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (!error || typeof error !== 'object') return 'no reason given';
  const e = error as { type?: string; reason?: string; caused_by?: unknown };
  const own = [e.type, e.reason].filter(Boolean).join(': ') || JSON.stringify(error).slice(0, 300);
  return e.caused_by ? `${own} (caused by ${describeError(e.caused_by)})` : own;
}

function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (parsed.error) return describeError(parsed.error);
  } catch {
    // not JSON
  }
  return body.slice(0, 200).trim() || '(empty body)';
}

function requestFailed(answer: BulkAnswer, docs: number, bytes: number): StowageError {
  const hint =
    answer.status === 413
      ? ` — the request of ${bytes} bytes is larger than the cluster accepts (http.max_content_length); lower --bulk-bytes`
      : '';
  return new StowageError(
    answer.status === 401 || answer.status === 403 ? 'DATABASE_AUTH_FAILED' : 'DATABASE_REQUEST_FAILED',
    `_bulk of ${docs} documents → HTTP ${answer.status}: ${reasonOf(answer.body)}${hint}`,
  );
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
