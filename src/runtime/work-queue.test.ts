import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StowageError } from '../errors.ts';
import { backoffDelay, WorkQueue, type Reconciler } from './work-queue.ts';

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('WorkQueue', () => {
  const queues: WorkQueue[] = [];
  const make = (reconcile: Reconciler, concurrency?: number) => {
    const q = new WorkQueue({ reconcile, logger, ...(concurrency ? { concurrency } : {}) });
    queues.push(q);
    return q;
  };
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.shutdown();
  });

  it('processes a key queued several times while it waits once', async () => {
    const seen: string[] = [];
    let release: (() => void) | undefined;
    const q = make(async (key) => {
      seen.push(key);
      if (key === 'busy') await new Promise<void>((r) => (release = r));
      return {};
    }, 1);
    // The only worker is busy, so the other keys wait in the queue.
    q.add('busy');
    await until(() => release !== undefined);
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    release!();
    await until(() => seen.length >= 3);
    await sleep(30);
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('never runs one key twice at once; an add while running runs it again afterwards', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release: (() => void) | undefined;
    const q = make(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
      active--;
      return {};
    }, 4);
    q.add('k');
    await until(() => release !== undefined);
    q.add('k');
    q.add('k');
    await sleep(30);
    expect(runs).toBe(1);
    release!();
    await until(() => runs === 2);
    await sleep(30);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('runs different keys concurrently up to the limit', async () => {
    let active = 0;
    let maxActive = 0;
    const q = make(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(30);
      active--;
      return {};
    }, 2);
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await until(() => maxActive === 2 && active === 0);
    expect(maxActive).toBe(2);
  });

  it('requeues after the delay a reconcile asks for', async () => {
    const times: number[] = [];
    const q = make(() => {
      times.push(Date.now());
      return Promise.resolve(times.length < 3 ? { requeueAfterMs: 40 } : {});
    });
    q.add('k');
    await until(() => times.length === 3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(35);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(35);
    await sleep(80);
    expect(times).toHaveLength(3);
  });

  it('a later addAfter replaces the pending timer of the same key', async () => {
    let runs = 0;
    const q = make(() => {
      runs++;
      return Promise.resolve({});
    });
    q.addAfter('k', 20);
    q.addAfter('k', 60);
    await sleep(40);
    expect(runs).toBe(0);
    await until(() => runs === 1);
    await sleep(40);
    expect(runs).toBe(1);
  });

  it('retries a failing reconcile with a delay that doubles per failure in a row, and resets after a success', async () => {
    const at: number[] = [];
    const q = new WorkQueue({
      logger,
      backoffBaseMs: 20,
      backoffMaxMs: 1_000,
      reconcile: () => {
        at.push(performance.now());
        // An unclassified error is INTERNAL: retryable.
        return at.length < 4 ? Promise.reject(new Error('boom')) : Promise.resolve({});
      },
    });
    queues.push(q);
    q.add('k');
    await until(() => at.length === 4);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 20, 40, 80 ms: each gap at least its delay, and each longer than the one before.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    await sleep(100);
    expect(at).toHaveLength(4);
  });

  it('does not retry a terminal error; it hands it to onTerminal', async () => {
    let runs = 0;
    const reported: Array<[string, string]> = [];
    const q = new WorkQueue({
      logger,
      backoffBaseMs: 5,
      reconcile: () => {
        runs++;
        return Promise.reject(new StowageError('INVALID_INPUT', 'spec.x: expected y'));
      },
      onTerminal: (key, e) => {
        reported.push([key, e.code]);
        return Promise.resolve();
      },
    });
    queues.push(q);
    q.add('k');
    await until(() => reported.length === 1);
    await sleep(50);
    expect(runs).toBe(1);
    expect(reported).toEqual([['k', 'INVALID_INPUT']]);
  });

  it('shutdown waits for running reconciles and ignores new work', async () => {
    const started: string[] = [];
    let finished = false;
    const q = make(async (key) => {
      started.push(key);
      await sleep(50);
      finished = true;
      return { requeueAfterMs: 1 };
    });
    q.add('k');
    await until(() => started.length === 1);
    await q.shutdown();
    expect(finished).toBe(true);
    q.add('other');
    q.addAfter('later', 1);
    await sleep(30);
    expect(started).toEqual(['k']);
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [9, 256_000],
    [10, 300_000],
    [50, 300_000],
  ])('Given %i failures in a row, Then the next retry waits %i ms', (failures, ms) => {
    expect(backoffDelay(failures)).toBe(ms);
  });
});
