import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../api/index.ts';
import type { ObjectMeta } from '../../api/meta.ts';
import { StowageError } from '../../errors.ts';
import { LocalStore } from './local-store.ts';
import { openStateDb, type StateDb } from './state-db.ts';

const NS = 'demo';

function secret(name: string, labels?: Record<string, string>, namespace = NS): ObjectOf<'Secret'> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    stringData: { RESTIC_PASSWORD: 'x' },
  } as ObjectOf<'Secret'>;
}

function bc(name: string): ObjectOf<'BackupConfiguration'> {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name, namespace: NS },
    spec: {
      schedule: '0 0 1 1 *',
      repository: { name: 'repo' },
      target: { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'db' } },
      retentionPolicy: { name: 'keep', keepLast: 1, prune: false },
    },
  } as ObjectOf<'BackupConfiguration'>;
}

function session(owner: ObjectOf<'BackupConfiguration'>, name: string): ObjectOf<'BackupSession'> {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupSession',
    metadata: {
      name,
      namespace: NS,
      ownerReferences: [
        {
          apiVersion: 'stash.appscode.com/v1beta1',
          kind: 'BackupConfiguration',
          name: owner.metadata.name ?? '',
          uid: owner.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: {
      invoker: {
        apiGroup: 'stash.appscode.com',
        kind: 'BackupConfiguration',
        name: owner.metadata.name ?? '',
      },
    },
  } as ObjectOf<'BackupSession'>;
}

/**
 * LocalStore's methods throw synchronously (inside their transaction) instead of returning a
 * rejected promise; `attempt` turns either into a rejection so these tests state the outcome.
 */
const attempt = <T>(fn: () => Promise<T>): Promise<T> => (async () => fn())();

describe('LocalStore', () => {
  let db: StateDb;
  let store: LocalStore;
  const now = new Date('2025-01-02T03:04:05.678Z');

  beforeEach(() => {
    db = openStateDb(':memory:');
    store = new LocalStore(db, () => now);
  });
  afterEach(() => db.close());

  it('create fills uid, resourceVersion, generation and creationTimestamp; get returns it', async () => {
    const created = await store.create(secret('a'));
    expect(created.metadata).toMatchObject({
      name: 'a',
      namespace: NS,
      generation: 1,
      creationTimestamp: '2025-01-02T03:04:05Z',
    });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(await store.get('Secret', NS, 'a')).toEqual(created);
    expect(await store.get('Secret', 'other', 'a')).toBeUndefined();
  });

  it('create refuses a duplicate and validates the object', async () => {
    await store.create(secret('a'));
    await expect(attempt(() => store.create(secret('a')))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const bad = {
      ...bc('bad'),
      spec: { ...bc('bad').spec, repository: {} },
    } as unknown as ObjectOf<'BackupConfiguration'>;
    await expect(attempt(() => store.create(bad))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.get('BackupConfiguration', NS, 'bad')).toBeUndefined();
  });

  it('generateName appends a 5-character suffix', async () => {
    const obj = secret('ignored');
    obj.metadata = { generateName: 'gen-', namespace: NS };
    const a = await store.create(obj);
    const b = await store.create(obj);
    expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(b.metadata.name).not.toBe(a.metadata.name);
  });

  it('list filters by namespace and labels, in name order', async () => {
    await store.create(secret('b', { team: 'db', tier: 'x' }));
    await store.create(secret('a', { team: 'db' }));
    await store.create(secret('c', { team: 'web' }));
    await store.create(secret('z', { team: 'db' }, 'other'));
    const names = (l: Array<{ metadata: { name?: string } }>) => l.map((o) => o.metadata.name);
    expect(names(await store.list('Secret', { namespace: NS }))).toEqual(['a', 'b', 'c']);
    expect(names(await store.list('Secret', { namespace: NS, labels: { team: 'db' } }))).toEqual(['a', 'b']);
    expect(names(await store.list('Secret', { labels: { team: 'db' } }))).toEqual(['a', 'b', 'z']);
    expect(names(await store.list('Secret', { labels: { team: 'db', tier: 'x' } }))).toEqual(['b']);
    expect(await store.list('Secret', { namespace: 'empty' })).toEqual([]);
  });

  it('cluster-scoped kinds ignore the namespace', async () => {
    const task = {
      apiVersion: 'stash.appscode.com/v1beta1',
      kind: 'Task',
      metadata: { name: 't1', namespace: 'ignored' },
      spec: { steps: [{ name: 'fn' }] },
    } as unknown as ObjectOf<'Task'>;
    await store.create(task);
    expect(await store.get('Task', '', 't1')).toBeDefined();
    expect(await store.get('Task', 'anything', 't1')).toBeDefined();
    expect(await store.list('Task', { namespace: 'x' })).toHaveLength(1);
  });

  it('update bumps resourceVersion, bumps generation only on spec changes, keeps status', async () => {
    const created = await store.create<'BackupConfiguration'>(bc('b'));
    await store.updateStatus('BackupConfiguration', NS, 'b', () => ({ phase: 'Ready' as const }));
    const labelled = await store.update<'BackupConfiguration'>({
      ...created,
      metadata: { ...created.metadata, labels: { a: 'b' }, resourceVersion: undefined },
    });
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.status).toEqual({ phase: 'Ready' as const });
    const paused = await store.update<'BackupConfiguration'>({
      ...labelled,
      spec: { ...labelled.spec, paused: true },
    });
    expect(paused.metadata.generation).toBe(2);
    expect(Number(paused.metadata.resourceVersion)).toBeGreaterThan(
      Number(labelled.metadata.resourceVersion),
    );
    expect(paused.metadata.uid).toBe(created.metadata.uid);
    expect(paused.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
  });

  it('update with a stale resourceVersion fails with a retryable CONFLICT', async () => {
    const created = await store.create<'BackupConfiguration'>(bc('b'));
    await store.update<'BackupConfiguration'>({ ...created, spec: { ...created.spec, paused: true } });
    const stale = attempt(() =>
      store.update<'BackupConfiguration'>({ ...created, spec: { ...created.spec, schedule: '0 1 * * *' } }),
    );
    await expect(stale).rejects.toBeInstanceOf(StowageError);
    await expect(stale).rejects.toMatchObject({ code: 'CONFLICT', retryable: true });
    expect((await store.get('BackupConfiguration', NS, 'b'))?.spec.paused).toBe(true);
    await expect(attempt(() => store.update(bc('missing')))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('updateStatus is a read-modify-write: each mutation sees the previous one', async () => {
    await store.create<'BackupConfiguration'>(bc('b'));
    const appendCondition = (type: string) =>
      store.updateStatus('BackupConfiguration', NS, 'b', (cur) => ({
        ...cur.status,
        conditions: [...(cur.status?.conditions ?? []), { type, status: 'True' as const }],
      }));
    await Promise.all(['A', 'B', 'C', 'D'].map(appendCondition));
    const s = await store.get('BackupConfiguration', NS, 'b');
    expect(s?.status?.conditions?.map((c) => c.type)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('updateStatus is atomic across connections to the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stowage-store-'));
    const file = join(dir, 'state.db');
    const dbs = [openStateDb(file), openStateDb(file)];
    try {
      const [s1, s2] = dbs.map((d) => new LocalStore(d));
      await s1!.create(bc('b'));
      for (let i = 0; i < 20; i++) {
        const s = i % 2 === 0 ? s1! : s2!;
        await s.updateStatus('BackupConfiguration', NS, 'b', (cur) => ({
          ...cur.status,
          conditions: [...(cur.status?.conditions ?? []), { type: `T${i}`, status: 'True' as const }],
        }));
      }
      expect((await s2!.get('BackupConfiguration', NS, 'b'))?.status?.conditions).toHaveLength(20);
    } finally {
      for (const d of dbs) d.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('updateStatus rolls back when the mutation throws, and skips no-op writes', async () => {
    const created = await store.create<'BackupConfiguration'>(bc('b'));
    const changes: string[] = [];
    store.onChange((kind, ns, name) => changes.push(`${kind}/${ns}/${name}`));
    await expect(
      attempt(() =>
        store.updateStatus('BackupConfiguration', NS, 'b', () => {
          throw new Error('boom');
        }),
      ),
    ).rejects.toThrow('boom');
    const same = await store.updateStatus('BackupConfiguration', NS, 'b', (cur) => cur.status);
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(changes).toEqual([]);
    await store.updateStatus('BackupConfiguration', NS, 'b', () => ({ phase: 'Ready' as const }));
    expect(changes).toEqual([`BackupConfiguration/${NS}/b`]);
    // Further writes work: the failed transaction was rolled back, not left open.
    await store.create(secret('after'));
    await expect(
      attempt(() => store.updateStatus('BackupConfiguration', NS, 'missing', () => ({}))),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('delete cascades to owned objects (and theirs) and tells the listeners', async () => {
    const owner = await store.create<'BackupConfiguration'>(bc('b'));
    const s1 = await store.create<'BackupSession'>(session(owner, 's1'));
    await store.create<'BackupSession'>(session(owner, 's2'));
    // A grandchild: owned by a session.
    const grandchild = secret('g');
    grandchild.metadata.ownerReferences = [
      {
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'BackupSession',
        name: 's1',
        uid: s1.metadata.uid ?? '',
      },
    ];
    await store.create(grandchild);
    await store.create(secret('unrelated'));
    const deleted: string[] = [];
    store.onDelete((d) => deleted.push(`${d.kind}/${d.name}`));
    expect(await store.delete('BackupConfiguration', NS, 'b')).toBe(true);
    expect(deleted.sort()).toEqual([
      'BackupConfiguration/b',
      'BackupSession/s1',
      'BackupSession/s2',
      'Secret/g',
    ]);
    expect(await store.list('BackupSession')).toEqual([]);
    expect(await store.get('Secret', NS, 'unrelated')).toBeDefined();
    expect(await store.delete('BackupConfiguration', NS, 'b')).toBe(false);
  });

  describe('finalizers (as the API server honours them)', () => {
    const withFinalizers = <T extends { metadata: ObjectMeta }>(obj: T, finalizers: string[]): T => ({
      ...obj,
      metadata: { ...obj.metadata, finalizers },
    });

    it('delete of an object without finalizers still removes it at once', async () => {
      await store.create(withFinalizers(secret('plain'), []));
      expect(await store.delete('Secret', NS, 'plain')).toBe(true);
      expect(await store.get('Secret', NS, 'plain')).toBeUndefined();
    });

    it('delete of an object with finalizers sets deletionTimestamp once and keeps it; a change is announced', async () => {
      const created = await store.create<'BackupConfiguration'>(withFinalizers(bc('b'), ['stash']));
      const changes: string[] = [];
      const deleted: string[] = [];
      store.onChange((kind, ns, name) => changes.push(`${kind}/${ns}/${name}`));
      store.onDelete((d) => deleted.push(`${d.kind}/${d.name}`));

      expect(await store.delete('BackupConfiguration', NS, 'b')).toBe(true);
      const marked = await store.get('BackupConfiguration', NS, 'b');
      expect(marked?.metadata).toMatchObject({
        deletionTimestamp: '2025-01-02T03:04:05Z',
        finalizers: ['stash'],
        uid: created.metadata.uid,
        generation: 1,
      });
      expect(Number(marked?.metadata.resourceVersion)).toBeGreaterThan(
        Number(created.metadata.resourceVersion),
      );
      expect(changes).toEqual([`BackupConfiguration/${NS}/b`]);
      expect(deleted).toEqual([]);

      // A second delete changes nothing (and still reports that the object exists).
      expect(await store.delete('BackupConfiguration', NS, 'b')).toBe(true);
      expect((await store.get('BackupConfiguration', NS, 'b'))?.metadata.resourceVersion).toBe(
        marked?.metadata.resourceVersion,
      );
      expect(changes).toHaveLength(1);
    });

    it('a delete with finalizers keeps the owned objects until the owner really goes', async () => {
      const owner = await store.create<'BackupConfiguration'>(withFinalizers(bc('b'), ['stash']));
      await store.create<'BackupSession'>(session(owner, 's1'));
      await store.delete('BackupConfiguration', NS, 'b');
      expect(await store.get('BackupSession', NS, 's1')).toBeDefined();

      const deleted: string[] = [];
      store.onDelete((d) => deleted.push(`${d.kind}/${d.name}`));
      const marked = (await store.get('BackupConfiguration', NS, 'b'))!;
      await store.update<'BackupConfiguration'>({
        ...marked,
        metadata: { ...marked.metadata, finalizers: [] },
      });
      expect(await store.get('BackupConfiguration', NS, 'b')).toBeUndefined();
      expect(await store.get('BackupSession', NS, 's1')).toBeUndefined();
      expect(deleted.sort()).toEqual(['BackupConfiguration/b', 'BackupSession/s1']);
    });

    it('the object goes only when the last finalizer is removed', async () => {
      await store.create<'BackupConfiguration'>(withFinalizers(bc('b'), ['a', 'b']));
      await store.delete('BackupConfiguration', NS, 'b');
      const marked = (await store.get('BackupConfiguration', NS, 'b'))!;
      const one = await store.update<'BackupConfiguration'>({
        ...marked,
        metadata: { ...marked.metadata, finalizers: ['b'] },
      });
      expect(one.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
      expect((await store.get('BackupConfiguration', NS, 'b'))?.metadata.finalizers).toEqual(['b']);
      await store.update<'BackupConfiguration'>({
        ...one,
        metadata: { ...one.metadata, finalizers: undefined },
      });
      expect(await store.get('BackupConfiguration', NS, 'b')).toBeUndefined();
    });

    it('while deleting: deletionTimestamp cannot be changed or cleared, no finalizer can be added, spec can change', async () => {
      await store.create<'BackupConfiguration'>(withFinalizers(bc('b'), ['stash']));
      await store.delete('BackupConfiguration', NS, 'b');
      const marked = (await store.get('BackupConfiguration', NS, 'b'))!;
      const { deletionTimestamp: _d, ...withoutTimestamp } = marked.metadata;
      const updated = await store.update<'BackupConfiguration'>({
        ...marked,
        metadata: withoutTimestamp,
        spec: { ...marked.spec, paused: true },
      });
      expect(updated.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
      expect(updated.spec.paused).toBe(true);
      await expect(
        attempt(() =>
          store.update<'BackupConfiguration'>({
            ...updated,
            metadata: { ...updated.metadata, finalizers: ['stash', 'another'] },
          }),
        ),
      ).rejects.toThrow(/no new finalizers can be added \(another\)/);
      expect((await store.get('BackupConfiguration', NS, 'b'))?.metadata.finalizers).toEqual(['stash']);
    });

    it('create and update ignore a deletionTimestamp given by the caller', async () => {
      const created = await store.create<'BackupConfiguration'>({
        ...bc('b'),
        metadata: { ...bc('b').metadata, deletionTimestamp: '2020-01-01T00:00:00Z', finalizers: ['x'] },
      });
      expect(created.metadata.deletionTimestamp).toBeUndefined();
      const updated = await store.update<'BackupConfiguration'>({
        ...created,
        metadata: { ...created.metadata, deletionTimestamp: '2020-01-01T00:00:00Z', finalizers: [] },
      });
      expect(updated.metadata.deletionTimestamp).toBeUndefined();
      expect(await store.get('BackupConfiguration', NS, 'b')).toBeDefined();
    });

    it('a cascade marks an owned object that has finalizers instead of removing it', async () => {
      const owner = await store.create<'BackupConfiguration'>(bc('b'));
      const child = withFinalizers(secret('held'), ['stash']);
      child.metadata.ownerReferences = [
        {
          apiVersion: 'stash.appscode.com/v1beta1',
          kind: 'BackupConfiguration',
          name: 'b',
          uid: owner.metadata.uid!,
        },
      ];
      await store.create(child);
      const deleted: string[] = [];
      store.onDelete((d) => deleted.push(`${d.kind}/${d.name}`));
      await store.delete('BackupConfiguration', NS, 'b');
      expect(deleted).toEqual(['BackupConfiguration/b']);
      const held = await store.get('Secret', NS, 'held');
      expect(held?.metadata.deletionTimestamp).toBe('2025-01-02T03:04:05Z');
      await store.update<'Secret'>({ ...held!, metadata: { ...held!.metadata, finalizers: [] } });
      expect(await store.get('Secret', NS, 'held')).toBeUndefined();
      expect(deleted).toEqual(['BackupConfiguration/b', 'Secret/held']);
    });
  });

  it('records events per object, in order', async () => {
    const involved = { kind: 'BackupSession', namespace: NS, name: 's1' };
    await store.recordEvent({
      involvedObject: involved,
      type: 'Normal',
      reason: 'A',
      message: 'first',
      source: 'x',
    });
    await store.recordEvent({
      involvedObject: involved,
      type: 'Warning',
      reason: 'B',
      message: 'second',
      source: 'y',
      time: '2020-01-01T00:00:00Z',
    });
    await store.recordEvent({
      involvedObject: { ...involved, name: 's2' },
      type: 'Normal',
      reason: 'C',
      message: 'other',
      source: 'x',
    });
    const events = await store.listEvents(involved);
    expect(events.map((e) => [e.type, e.reason, e.message, e.source])).toEqual([
      ['Normal', 'A', 'first', 'x'],
      ['Warning', 'B', 'second', 'y'],
    ]);
    expect(events[0]?.time).toBe(now.toISOString());
    expect(events[1]?.time).toBe('2020-01-01T00:00:00Z');
    expect(await store.listEvents({ ...involved, name: 'none' })).toEqual([]);
  });
});
