import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../api/index.ts';
import type { Scheduler } from '../../controllers/store.ts';
import { cronJobManifests } from './cron-job-manifest.ts';
import {
  CachedScheduler,
  CachedStore,
  canonicalJson,
  freezeDeep,
  type CacheReader,
} from './informer-cache.ts';
import type { KubeClients } from './kube-client.ts';
import type { KubeStore } from './kube-store.ts';
import { backupConfiguration, IMAGE } from './test-fixtures.ts';
import type { WatchedKind } from './watches.ts';

/** A cache over a plain map, keyed namespace/name. */
function cacheOf(objects: object[]): CacheReader & { put(o: object): void } {
  const key = (o: object) => {
    const m = (o as KubernetesObject).metadata;
    return `${m?.namespace}/${m?.name}`;
  };
  const m = new Map(objects.map((o) => [key(o), freezeDeep(o as KubernetesObject)]));
  return {
    get: (name, ns) => m.get(`${ns}/${name}`),
    list: (ns) => [...m.values()].filter((o) => ns === undefined || o.metadata?.namespace === ns),
    put: (o) => void m.set(key(o), freezeDeep(o as KubernetesObject)),
  };
}

const bc = (o: { rv?: string; status?: object; paused?: boolean; labels?: Record<string, string> } = {}) =>
  ({
    ...backupConfiguration(
      { generation: 1, resourceVersion: o.rv ?? '10', ...(o.labels ? { labels: o.labels } : {}) },
      { paused: o.paused ?? false },
    ),
    ...(o.status ? { status: o.status } : {}),
  }) as ObjectOf<'BackupConfiguration'>;

function fixture(cached: object[]) {
  const calls: string[] = [];
  const cache = cacheOf(cached);
  let statusReply: () => unknown = () => ({});
  const inner = {
    get: (kind: string, ns: string, name: string) => {
      calls.push(`inner.get ${kind} ${ns}/${name}`);
      return Promise.resolve(undefined);
    },
    update: (obj: ObjectOf<'BackupConfiguration'>) => {
      calls.push('inner.update');
      return Promise.resolve({ ...obj, metadata: { ...obj.metadata, resourceVersion: '11' } });
    },
    updateStatus: (kind: string) => {
      calls.push(`inner.updateStatus ${kind}`);
      return Promise.resolve(bc({ rv: '12' }));
    },
  } as unknown as KubeStore;
  const clients = {
    custom: {
      replaceNamespacedCustomObjectStatus: (req: { body: object }) => {
        calls.push('PUT status');
        return Promise.resolve(statusReply() ?? req.body);
      },
    },
  } as unknown as KubeClients;
  const store = new CachedStore({
    inner,
    clients,
    cache: (kind: WatchedKind) => (kind === 'BackupConfiguration' ? cache : undefined),
  });
  return { store, calls, cache, reply: (f: () => unknown) => (statusReply = f) };
}

describe('CachedStore', () => {
  it('answers gets from the cache with a copy the caller may change', async () => {
    const { store, calls } = fixture([bc()]);
    const got = (await store.get('BackupConfiguration', 'demo', 'pg'))!;
    got.spec.schedule = 'changed';
    expect((await store.get('BackupConfiguration', 'demo', 'pg'))?.spec.schedule).toBe('0 3 * * *');
    expect(await store.get('BackupConfiguration', 'demo', 'nope')).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('filters lists by label and leaves uncached kinds to the API server', async () => {
    const { store, calls } = fixture([bc({ labels: { team: 'a' } })]);
    expect(await store.list('BackupConfiguration', { labels: { team: 'a' } })).toHaveLength(1);
    expect(await store.list('BackupConfiguration', { labels: { team: 'b' } })).toHaveLength(0);
    expect(await store.list('BackupConfiguration', { namespace: 'other' })).toHaveLength(0);
    await store.get('Secret', 'demo', 's');
    expect(calls).toEqual(['inner.get Secret demo/s']);
  });

  it('reads its own write until the watch delivers it', async () => {
    const { store, cache } = fixture([bc()]);
    await store.update(bc({ paused: true }));
    // The cache still holds resourceVersion 10; the write returned 11.
    expect((await store.get('BackupConfiguration', 'demo', 'pg'))?.spec.paused).toBe(true);
    const delivered = bc({ rv: '11', paused: true });
    cache.put(delivered);
    store.observe('BackupConfiguration', delivered as unknown as KubernetesObject, false);
    cache.put(bc({ rv: '13', paused: false }));
    expect((await store.get('BackupConfiguration', 'demo', 'pg'))?.spec.paused).toBe(false);
  });

  it('writes status only when it differs (in any key order), and redoes a stale write on a fresh read', async () => {
    const status = { phase: 'Ready', conditions: [{ type: 'A', status: 'True', reason: 'r' }] };
    const { store, calls, reply } = fixture([bc({ status })]);
    // The server sorts keys; the controller builds them in its own order.
    await store.updateStatus('BackupConfiguration', 'demo', 'pg', () => ({
      conditions: [{ reason: 'r', status: 'True' as const, type: 'A' }],
      phase: 'Ready' as const,
    }));
    expect(calls).toEqual([]);

    reply(() => bc({ rv: '11', status: { phase: 'NotReady' } }));
    await store.updateStatus('BackupConfiguration', 'demo', 'pg', () => ({ phase: 'NotReady' as const }));
    expect(calls).toEqual(['PUT status']);

    reply(() => {
      throw new ApiException(409, 'Conflict', '{"reason":"Conflict"}', {});
    });
    calls.length = 0;
    await store.updateStatus('BackupConfiguration', 'demo', 'pg', () => ({ phase: 'Invalid' as const }));
    expect(calls).toEqual(['PUT status', 'inner.updateStatus BackupConfiguration']);
  });
});

describe('CachedScheduler', () => {
  function scheduler(cached: object[]) {
    const calls: string[] = [];
    const cache = cacheOf(cached);
    const inner: Scheduler = {
      ensure: (b) => {
        calls.push(`ensure ${b.spec.paused ? 'paused' : 'active'}`);
        cache.put(cronJobManifests(b, { image: IMAGE }).cronJob);
        return Promise.resolve('stash-trigger-pg');
      },
      remove: () => {
        calls.push('remove');
        return Promise.resolve();
      },
    };
    const s = new CachedScheduler({
      inner,
      image: IMAGE,
      cache: (kind) => (kind === 'CronJob' ? cache : undefined),
    });
    return { s, calls };
  }

  it('applies once, then only when the CronJob or the RBAC would change', async () => {
    const { s, calls } = scheduler([]);
    expect(await s.ensure(bc())).toBe('stash-trigger-pg');
    expect(await s.ensure(bc())).toBe('stash-trigger-pg');
    expect(calls).toEqual(['ensure active']);
    await s.ensure(bc({ paused: true }));
    await s.ensure(bc({ labels: { team: 'b' } }));
    expect(calls).toEqual(['ensure active', 'ensure paused', 'ensure active']);
  });

  it('applies again after a restart even when the CronJob is there (RBAC unknown)', async () => {
    const { s, calls } = scheduler([cronJobManifests(bc(), { image: IMAGE }).cronJob]);
    await s.ensure(bc());
    expect(calls).toEqual(['ensure active']);
  });

  it('removes only what is there or was just created', async () => {
    const { s, calls } = scheduler([]);
    await s.remove('demo', 'pg');
    expect(calls).toEqual([]);
    await s.ensure(bc());
    await s.remove('demo', 'pg');
    expect(calls).toEqual(['ensure active', 'remove']);
  });
});

describe('canonicalJson', () => {
  it('ignores key order at every level, not array order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 1, x: 2 }] })).toBe(canonicalJson({ a: [{ x: 2, y: 1 }], b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(canonicalJson({ b: 1 }));
  });
});
