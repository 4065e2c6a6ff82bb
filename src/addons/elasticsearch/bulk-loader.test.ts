import { describe, expect, it } from 'vitest';
import { StowageError } from '../../errors.ts';
import {
  Batch,
  BulkLoader,
  IndexNames,
  describeError,
  type BulkAnswer,
  type BulkLoaderOptions,
} from './bulk-loader.ts';

const action = (index: string, id: string) => `{"index":{"_index":"${index}","_id":"${id}"}}\n`;
const src = (n: number) => Buffer.from(`{"n":${n}}`);

/** Parses a bulk body back into [index, id, source] triples. */
function items(body: Buffer): Array<[string, string, string]> {
  const lines = body.toString().split('\n').filter(Boolean);
  const out: Array<[string, string, string]> = [];
  for (let i = 0; i < lines.length; i += 2) {
    const a = (JSON.parse(lines[i]!) as { index: { _index: string; _id: string } }).index;
    out.push([a._index, a._id, lines[i + 1]!]);
  }
  return out;
}

const ok = (body: Buffer): BulkAnswer => ({
  status: 200,
  body: JSON.stringify({ errors: false, items: items(body).map(() => ({ index: { status: 201 } })) }),
});

function loader(
  send: (body: Buffer) => Promise<BulkAnswer> | BulkAnswer,
  o: Partial<BulkLoaderOptions> = {},
) {
  const sleeps: number[] = [];
  let now = 0;
  const l = new BulkLoader(async (body) => send(body), {
    concurrency: 2,
    bulkBytes: 100,
    retryTimeoutMs: 60_000,
    random: () => 1,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    ...o,
  });
  return { l, sleeps };
}

async function addAll(l: BulkLoader, n: number, index = 'i') {
  for (let i = 0; i < n; i++) await l.add(index, action(index, String(i)), src(i));
  await l.flush();
}

describe('Batch', () => {
  it('copies documents into one body and picks a subset for a retry', () => {
    const b = new Batch(new IndexNames(), 16, 1); // grows
    for (let i = 0; i < 3; i++) b.push(i === 1 ? 'j' : 'i', action('i', String(i)), src(i));
    expect(items(b.body())).toEqual([
      ['i', '0', '{"n":0}'],
      ['i', '1', '{"n":1}'],
      ['i', '2', '{"n":2}'],
    ]);
    const sub = b.subset([0, 2]);
    expect(items(sub.body())).toEqual([
      ['i', '0', '{"n":0}'],
      ['i', '2', '{"n":2}'],
    ]);
    expect([sub.id(0), sub.id(1)]).toEqual(['0', '2']);
    expect([b.index(0), b.index(1), b.index(2)]).toEqual(['i', 'j', 'i']);
    expect(sub.length).toBe(2);
  });

  it('handles multi-byte text', () => {
    const b = new Batch(new IndexNames(), 8);
    b.push('i', action('i', 'é€'), Buffer.from('{"t":"😀"}'));
    expect(b.id(0)).toBe('é€');
    expect(b.body().toString()).toBe('{"index":{"_index":"i","_id":"é€"}}\n{"t":"😀"}\n');
  });
});

describe('BulkLoader', () => {
  it('sends every document once, in bulks of about bulkBytes, never more than `concurrency` at once', async () => {
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { l } = loader(async (body) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      for (const [, id] of items(body)) seen.push(id);
      return ok(body);
    });
    await addAll(l, 50);
    expect(seen.sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    expect(maxInFlight).toBe(2);
    expect(l.stats.documents).toBe(50);
    expect(l.stats.perIndex.get('i')).toBe(50);
    expect(l.stats.requests).toBeGreaterThan(10);
  });

  it('cuts bulks by document count with --limit', async () => {
    const sizes: number[] = [];
    const { l } = loader(
      (body) => {
        sizes.push(items(body).length);
        return ok(body);
      },
      { bulkBytes: 1 << 20, bulkDocs: 4 },
    );
    await addAll(l, 10);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('retries only the items rejected with 429, with growing backoff', async () => {
    const attempts: string[][] = [];
    const { l, sleeps } = loader(
      (body) => {
        const its = items(body);
        attempts.push(its.map(([, id]) => id));
        // the first two answers reject every odd id
        const reject = attempts.length <= 2;
        return {
          status: 200,
          body: JSON.stringify({
            errors: reject,
            items: its.map(([, id]) =>
              reject && Number(id) % 2 === 1
                ? {
                    index: {
                      status: 429,
                      error: { type: 'es_rejected_execution_exception', reason: 'queue full' },
                    },
                  }
                : { index: { status: 201 } },
            ),
          }),
        };
      },
      { bulkBytes: 1 << 20, backoffBaseMs: 100 },
    );
    await addAll(l, 6);
    expect(attempts).toEqual([
      ['0', '1', '2', '3', '4', '5'],
      ['1', '3', '5'],
      ['1', '3', '5'],
    ]);
    expect(sleeps).toEqual([100, 200]);
    expect(l.stats.documents).toBe(6);
    expect(l.stats.retriedItems).toBe(6);
  });

  it('retries a whole request answered 429 or 503, and a dropped connection', async () => {
    let n = 0;
    const { l } = loader(
      (body) => {
        n++;
        if (n === 1)
          return {
            status: 429,
            body: '{"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}',
          };
        if (n === 2) return { status: 503, body: 'upstream down' };
        if (n === 3) throw new StowageError('DATABASE_UNREACHABLE', 'ECONNRESET');
        return ok(body);
      },
      { bulkBytes: 1 << 20 },
    );
    await addAll(l, 3);
    expect(l.stats).toMatchObject({ documents: 3, retriedRequests: 3, requests: 4 });
  });

  it('gives up after the retry timeout with an error that says what to do', async () => {
    const { l } = loader(
      () => ({
        status: 429,
        body: '{"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}',
      }),
      {
        bulkBytes: 1 << 20,
        retryTimeoutMs: 5_000,
        backoffMaxMs: 1_000,
      },
    );
    const err = await addAll(l, 2).then(
      () => undefined,
      (e: unknown) => e as StowageError,
    );
    expect(err?.code).toBe('DATABASE_OVERLOADED');
    expect(err?.message).toMatch(
      /kept rejecting 2 document\(s\) \(first in index "i"\) for \ds .*HTTP 429: es_rejected_execution_exception: rejected.*lower --concurrency/,
    );
  });

  it('fails on any other item error, naming index, id and reason', async () => {
    const { l } = loader(
      (body) => ({
        status: 200,
        body: JSON.stringify({
          errors: true,
          items: items(body).map(([, id]) =>
            id === '1'
              ? {
                  index: {
                    status: 400,
                    error: {
                      type: 'mapper_parsing_exception',
                      reason: 'failed to parse field [n] of type [long]',
                      caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "x"' },
                    },
                  },
                }
              : { index: { status: 201 } },
          ),
        }),
      }),
      { bulkBytes: 1 << 20 },
    );
    await expect(addAll(l, 3, 'shop')).rejects.toThrow(
      'index "shop", document "1": mapper_parsing_exception: failed to parse field [n] of type [long] (caused by illegal_argument_exception: For input string: "x") (HTTP 400)',
    );
  });

  it('fails on a request error with a hint for 413', async () => {
    const { l } = loader(() => ({ status: 413, body: '' }), { bulkBytes: 1 << 20 });
    await expect(addAll(l, 1)).rejects.toThrow(/HTTP 413.*lower --bulk-bytes/);
  });

  it('stops taking documents after a failure and after abort', async () => {
    const { l } = loader(() => ({ status: 400, body: '{"error":"bad"}' }), { bulkBytes: 10 });
    await expect(addAll(l, 20)).rejects.toThrow(/HTTP 400: bad/);
    expect(() => l.add('i', action('i', 'x'), src(1))).toThrow(/HTTP 400/);
    const { l: l2 } = loader(ok);
    l2.abort(new Error('interrupted by SIGTERM'));
    expect(() => l2.add('i', action('i', 'x'), src(1))).toThrow('interrupted by SIGTERM');
  });
});

describe('describeError', () => {
  it('formats strings, objects and nothing', () => {
    expect(describeError('boom')).toBe('boom');
    expect(describeError(undefined)).toBe('no reason given');
    expect(describeError({ type: 't', reason: 'r' })).toBe('t: r');
  });
});
