import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { archiveHeader, templateRecord } from './archive-format.ts';
import { describeCluster } from './cluster-info.ts';
import type { SearchClient } from './http-client.ts';
import { loadStream, type LoadContext } from './load.ts';
import { parseLoadOptions } from './load-options.ts';

/** An in-memory cluster that answers the requests a restore sends, and records them. */
class FakeCluster {
  readonly calls: string[] = [];
  readonly docs = new Map<string, number>();
  readonly existing = new Set<string>();
  /** Documents `_count` leaves out, per index (to provoke a mismatch). */
  readonly lose = new Map<string, number>();

  client(): SearchClient {
    const answer = (method: string, path: string, body?: unknown) => {
      const p = path.split('?')[0]!;
      this.calls.push(`${method} ${p}`);
      if (p === '/_cat/indices') return [...this.existing].map((index) => ({ index }));
      if (p === '/_cat/aliases') return [];
      if (p === '/_bulk') {
        const lines = String(body).split('\n').filter(Boolean);
        const items = [];
        for (let i = 0; i < lines.length; i += 2) {
          const index = (JSON.parse(lines[i]!) as { index: { _index: string } }).index._index;
          this.docs.set(index, (this.docs.get(index) ?? 0) + 1);
          items.push({ index: { status: 201 } });
        }
        return { errors: false, items };
      }
      const count = /^\/([^/]+)\/_count$/.exec(p);
      if (count) return { count: (this.docs.get(count[1]!) ?? 0) - (this.lose.get(count[1]!) ?? 0) };
      if (p.startsWith('/_cluster/health')) return { status: 'green' };
      return { acknowledged: true };
    };
    const fake = {
      request: (method: string, path: string, body?: unknown) =>
        Promise.resolve({ status: 200, body: answer(method, path, body) }),
      requestText: (method: string, path: string, body?: unknown) =>
        Promise.resolve({
          status: 200,
          body: JSON.stringify(
            answer(method, path, body instanceof Uint8Array ? Buffer.from(body).toString() : body),
          ),
        }),
    };
    return fake as unknown as SearchClient;
  }
}

const header = archiveHeader(
  { distribution: 'opensearch', version: '2.19.6' },
  ['a', 'b'],
  '2025-01-01T00:00:00Z',
);

function stream(o: { counts?: Record<string, number> } = {}): Readable {
  const lines = [
    header,
    {
      meta: 'index',
      name: 'a',
      settings: { index: { number_of_shards: '1' } },
      mappings: {},
      aliases: { al: {} },
    },
    { meta: 'index', name: 'b', settings: {}, mappings: {}, aliases: {} },
    templateRecord('legacy', 't', { index_patterns: ['t*'] }),
  ].map((r) => JSON.stringify(r));
  for (let i = 0; i < 5; i++)
    lines.push(`{"_index":"${i % 2 ? 'b' : 'a'}","_id":"${i}","_source":{"n":${i}}}`);
  lines.push(JSON.stringify({ meta: 'end', documents: o.counts ?? { a: 3, b: 2 } }));
  return Readable.from([Buffer.from(`${lines.join('\n')}\n`)]);
}

function context(cluster: FakeCluster, args: string[] = []): LoadContext {
  return {
    client: cluster.client(),
    cluster: describeCluster('opensearch', '2.19.6'),
    options: parseLoadOptions(args, { cores: 2, warn: () => {} }),
    log: { info: () => {}, warn: () => {} },
  };
}

describe('loadStream', () => {
  it('creates, loads, finalizes, counts, adds aliases and templates, in that order', async () => {
    const cluster = new FakeCluster();
    const summary = await loadStream(context(cluster), stream());
    expect(summary).toMatchObject({ indices: ['a', 'b'], documents: 5, templates: 1, health: 'green' });
    const order = (call: string) => cluster.calls.indexOf(call);
    expect(order('PUT /a')).toBeLessThan(order('POST /_bulk'));
    expect(cluster.calls.lastIndexOf('POST /_bulk')).toBeLessThan(order('PUT /a/_settings'));
    expect(order('PUT /a/_settings')).toBeLessThan(order('POST /a,b/_refresh'));
    expect(order('POST /a,b/_refresh')).toBeLessThan(order('GET /a/_count'));
    expect(order('GET /a/_count')).toBeLessThan(order('POST /_aliases'));
    expect(order('POST /_aliases')).toBeLessThan(order('PUT /_template/t'));
    expect(order('PUT /_template/t')).toBeLessThan(order('GET /_cluster/health/a,b'));
  });

  it('fails with the numbers when a count differs', async () => {
    const cluster = new FakeCluster();
    cluster.lose.set('b', 1);
    await expect(loadStream(context(cluster), stream())).rejects.toThrow(
      'document counts differ after the load: "b": 2 in the backup, 2 loaded, 1 in the index',
    );
    await expect(loadStream(context(new FakeCluster()), stream({ counts: { a: 4, b: 2 } }))).rejects.toThrow(
      /"a": 4 in the backup, 3 loaded, 3 in the index/,
    );
  });

  it('refuses an existing index before sending anything that changes the cluster', async () => {
    const cluster = new FakeCluster();
    cluster.existing.add('b');
    await expect(loadStream(context(cluster), stream())).rejects.toThrow(/index "b" already exists/);
    expect(cluster.calls.filter((c) => !c.startsWith('GET '))).toEqual([]);
    const replaced = new FakeCluster();
    replaced.existing.add('b');
    await loadStream(context(replaced, ['--delete-existing']), stream());
    expect(replaced.calls).toContain('DELETE /b');
  });

  it('restores a subset, and says so when the filter selects nothing', async () => {
    const cluster = new FakeCluster();
    const summary = await loadStream(context(cluster, ['--include=a', '--ignoreType=template']), stream());
    expect(summary).toMatchObject({ indices: ['a'], documents: 3, skippedDocuments: 2, templates: 0 });
    expect(cluster.calls).not.toContain('PUT /b');
    await expect(loadStream(context(new FakeCluster(), ['--match=^z']), stream())).rejects.toThrow(
      /no index of the dump is selected .* the dump holds a, b/,
    );
  });
});
