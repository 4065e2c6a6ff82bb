import { describe, expect, it } from 'vitest';
import { StowageError } from '../../errors.ts';
import { SearchHttpError } from './http-client.ts';
import { DoubleBuffer, hitsFilterPath, runWorkers, withRetry } from './read-documents.ts';

const quiet = { signal: undefined, log: undefined, what: 'x', baseDelayMs: 1 };

describe('withRetry', () => {
  it('retries overload, proxy errors and lost connections, then gives up', async () => {
    let calls = 0;
    const result = await withRetry(() => {
      calls++;
      if (calls === 1) {
        return Promise.reject(new SearchHttpError('POST', '/_search', 429, 'rejected', 'busy'));
      }
      if (calls === 2) return Promise.reject(new StowageError('DATABASE_UNREACHABLE', 'reset'));
      return Promise.resolve('ok');
    }, quiet);
    expect(result).toBe('ok');
    let n = 0;
    await expect(
      withRetry(
        () => {
          n++;
          return Promise.reject(new SearchHttpError('POST', '/_search', 503, undefined, 'down'));
        },
        { ...quiet, attempts: 3 },
      ),
    ).rejects.toThrow(/503/);
    expect(n).toBe(3);
  });

  it('does not retry other errors, nor anything but 429 for a scroll', async () => {
    let n = 0;
    const fail = (e: Error) => () => {
      n++;
      return Promise.reject(e);
    };
    await expect(
      withRetry(fail(new SearchHttpError('POST', '/x', 400, 'parse', 'bad')), quiet),
    ).rejects.toThrow(/400/);
    await expect(
      withRetry(fail(new StowageError('DATABASE_UNREACHABLE', 'gone')), { ...quiet, only429: true }),
    ).rejects.toThrow(/gone/);
    expect(n).toBe(2);
  });
});

describe('runWorkers', () => {
  it('aborts the others on the first failure and rejects with it', async () => {
    const seen: string[] = [];
    await expect(
      runWorkers(3, undefined, async (signal) => {
        if (seen.push('start') === 1) throw new Error('first');
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        seen.push('aborted');
      }),
    ).rejects.toThrow('first');
    expect(seen).toEqual(['start', 'start', 'start', 'aborted', 'aborted']);
  });
});

describe('DoubleBuffer', () => {
  it('hands out a buffer again only after the page read into it was released', async () => {
    const buffers = new DoubleBuffer();
    const a = await buffers.next();
    let releaseA!: () => void;
    buffers.hand(new Promise<void>((r) => (releaseA = r)));
    const b = await buffers.next();
    expect(b).not.toBe(a);
    buffers.hand(Promise.resolve());
    let got: unknown;
    const waiting = buffers.next().then((x) => (got = x));
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBeUndefined();
    releaseA();
    await waiting;
    expect(got).toBe(a);
  });

  it('reports a failed release', async () => {
    const buffers = new DoubleBuffer();
    await buffers.next();
    buffers.hand(Promise.reject(new Error('EPIPE')));
    await expect(buffers.drain()).rejects.toThrow('EPIPE');
  });
});

describe('hitsFilterPath', () => {
  it('asks for _type only where mappings have types', () => {
    expect(hitsFilterPath({ mappingTypes: false }, ['pit_id'])).toBe(
      'pit_id,hits.hits._index,hits.hits._id,hits.hits._routing,hits.hits._source',
    );
    expect(hitsFilterPath({ mappingTypes: true }, [])).toContain('hits.hits._type');
  });
});
