/**
 * A keyed, level-triggered work queue: a key is queued at most once, is never processed by two
 * workers at once, and a reconcile asks to come back after a delay. Keys are `Kind/namespace/name`.
 */
import type { Logger } from 'pino';
import { errorMessage } from '../errors.ts';

export type Reconciler = (key: string) => Promise<{ requeueAfterMs?: number }>;

export class WorkQueue {
  readonly #queued = new Set<string>();
  readonly #active = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #order: string[] = [];
  readonly #reconcile: Reconciler;
  readonly #logger: Logger;
  readonly #concurrency: number;
  #running = 0;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];

  constructor(o: { reconcile: Reconciler; logger: Logger; concurrency?: number }) {
    this.#reconcile = o.reconcile;
    this.#logger = o.logger;
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
      const result = await this.#reconcile(key);
      if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (e) {
      this.#logger.error({ key, err: errorMessage(e) }, 'reconcile failed; retrying in 5s');
      this.addAfter(key, 5_000);
    } finally {
      this.#active.delete(key);
      this.#running--;
      if (this.#dirty.delete(key)) this.add(key);
      if (this.#running === 0) for (const w of this.#idleWaiters.splice(0)) w();
      this.#pump();
    }
  }
}
