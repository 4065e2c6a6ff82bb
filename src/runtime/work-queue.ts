/**
 * A keyed, level-triggered work queue: a key is queued at most once, is never processed by two
 * workers at once, and a reconcile asks to come back after a delay. Keys are `Kind/namespace/name`.
 *
 * A reconcile that throws is handled by its error's code (src/errors.ts): a retryable error comes
 * back after a delay that doubles with each failure of that key in a row (from `backoffBaseMs` up
 * to `backoffMaxMs`, reset by a success); a terminal one is not retried but handed to `onTerminal`,
 * which writes it to the object's status — the next change of the object wakes it again.
 */
import type { Logger } from 'pino';
import { asStowageError, type StowageError } from '../errors.ts';

export type Reconciler = (key: string) => Promise<{ requeueAfterMs?: number }>;

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/** The delay before the `failures`-th retry in a row (1-based): base · 2^(failures-1), capped. */
export function backoffDelay(failures: number, baseMs = BACKOFF_BASE_MS, maxMs = BACKOFF_MAX_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

export interface WorkQueueOptions {
  reconcile: Reconciler;
  logger: Logger;
  concurrency?: number;
  /** Reports a terminal error of a key (not retried). */
  onTerminal?: (key: string, error: StowageError) => Promise<void>;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export class WorkQueue {
  readonly #queued = new Set<string>();
  readonly #active = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #order: string[] = [];
  /** Failures in a row per key (the backoff exponent). */
  readonly #failures = new Map<string, number>();
  readonly #o: WorkQueueOptions;
  readonly #concurrency: number;
  #running = 0;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];

  constructor(o: WorkQueueOptions) {
    this.#o = o;
    this.#concurrency = o.concurrency ?? 4;
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#order.push(key);
    this.#pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    const existing = this.#timers.get(key);
    if (existing) clearTimeout(existing);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.add(key);
      }, ms),
    );
  }

  /** Stops taking work and waits for running reconciles to finish. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    if (this.#running > 0) await new Promise<void>((r) => this.#idleWaiters.push(r));
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#order.length > 0 && !this.#stopped) {
      const key = this.#order.shift()!;
      this.#queued.delete(key);
      this.#active.add(key);
      this.#running++;
      // Start on a fresh macrotask: reconciles over a synchronous store would otherwise chain
      // through microtasks only and starve timers and I/O.
      setImmediate(() => void this.#process(key));
    }
  }

  async #process(key: string): Promise<void> {
    try {
      const result = await this.#o.reconcile(key);
      this.#failures.delete(key);
      if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (e) {
      await this.#failed(key, asStowageError(e));
    } finally {
      this.#active.delete(key);
      this.#running--;
      if (this.#dirty.delete(key)) this.add(key);
      if (this.#running === 0) for (const w of this.#idleWaiters.splice(0)) w();
      this.#pump();
    }
  }

  async #failed(key: string, error: StowageError): Promise<void> {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    const log = { key, code: error.code, err: error.message, failures };
    if (!error.retryable) {
      this.#failures.delete(key);
      this.#o.logger.error(log, 'reconcile failed; not retrying (terminal error)');
      await this.#o.onTerminal?.(key, error);
      return;
    }
    this.#failures.set(key, failures);
    const delay = backoffDelay(failures, this.#o.backoffBaseMs, this.#o.backoffMaxMs);
    this.#o.logger.warn(
      {
        ...log,
        retryInMs: delay,
        ...(error.code === 'INTERNAL' ? { stack: (error.cause as Error | undefined)?.stack } : {}),
      },
      'reconcile failed; retrying',
    );
    this.addAfter(key, delay);
  }
}
