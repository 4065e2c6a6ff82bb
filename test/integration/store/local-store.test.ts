/**
 * LocalStore over a SQLite file in a temporary folder: the Store contract, and what only the
 * standalone store has — the change feed that wakes serve's controllers (also for writes of other
 * processes sharing the state file), atomic status writes across those processes, and the clock
 * it is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { LocalStore } from '../../../src/runtime/standalone/local-store.ts';
import { openStateDb, type StateDb } from '../../../src/runtime/standalone/state-db.ts';
import { waitFor } from '../../harness/wait.ts';
import { storeContract } from './contract.ts';
import { backupConfiguration, backupSession, ownedBy, secret } from './objects.ts';

let namespaces = 0;

storeContract(
  'LocalStore',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'stowage-store-contract-'));
    const db = openStateDb(join(dir, 'state.db'));
    return Promise.resolve({
      store: new LocalStore(db),
      newNamespace: (prefix: string) => Promise.resolve(`${prefix}-${++namespaces}`),
      cleanup() {
        db.close();
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
  {
    everyNamespaceExists: true,
  },
);

describe('LocalStore only', () => {
  const NS = 'demo';
  const now = new Date('2025-01-02T03:04:05.678Z');
  let dir: string;
  let db: StateDb;
  let store: LocalStore;
  /** What the store reported to its watcher: `<change> <kind>/<name>`. */
  let changes: string[];
  let stopWatching: () => void;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stowage-store-'));
    db = openStateDb(join(dir, 'state.db'));
    store = new LocalStore(db, () => now);
    changes = [];
    stopWatching = store.watch((c) => changes.push(`${c.change} ${c.kind}/${c.object.metadata.name}`), 50);
  });
  afterEach(() => {
    stopWatching();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stamps objects, deletions and events with the clock it is given', async () => {
    const created = await store.create(backupConfiguration(NS, 'b', { finalizers: ['stash'] }));
    expect(created.metadata.creationTimestamp).toBe('2025-01-02T03:04:05Z');
    await store.delete('BackupConfiguration', NS, 'b');
    expect((await store.get('BackupConfiguration', NS, 'b'))?.metadata.deletionTimestamp).toBe(
      '2025-01-02T03:04:05Z',
    );
    const involved = { kind: 'BackupConfiguration', namespace: NS, name: 'b' };
    await store.recordEvent({
      involvedObject: involved,
      type: 'Normal',
      reason: 'A',
      message: '',
      source: 'x',
    });
    expect((await store.listEvents(involved))[0]?.time).toBe(now.toISOString());
  });

  it('refuses a namespace that is not a DNS label and a bad generateName, naming the object and the field', async () => {
    const refused = async (write: Promise<unknown>) => {
      const e = await write.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ValidationError);
      return e as ValidationError;
    };
    const badNamespace = await refused(store.create(secret('Demo_NS', 's')));
    expect(badNamespace.issues.map((i) => i.path)).toEqual(['metadata.namespace']);
    expect(badNamespace.message).toContain('Secret/s is invalid');
    const badPrefix = await refused(
      store.create(backupSession(NS, '', { name: undefined, generateName: 'Gen-' })),
    );
    expect(badPrefix.issues.map((i) => i.path)).toEqual(['metadata.generateName']);
    expect(badPrefix.message).toContain('BackupSession/Gen-* is invalid');
    expect(changes).toEqual([]);
  });

  it('reports each real write at once, by what changed; no-op and failed status writes report nothing', async () => {
    const created = await store.create<'BackupConfiguration'>(backupConfiguration(NS, 'b'));
    await store.updateStatus('BackupConfiguration', NS, 'b', (cur) => cur.status);
    await store
      .updateStatus('BackupConfiguration', NS, 'b', () => {
        throw new Error('boom');
      })
      .catch(() => undefined);
    expect(changes).toEqual(['added BackupConfiguration/b']);
    await store.updateStatus('BackupConfiguration', NS, 'b', () => ({ phase: 'Ready' as const }));
    const labelled = await store.update<'BackupConfiguration'>({
      ...created,
      metadata: { ...created.metadata, labels: { a: 'b' }, resourceVersion: undefined },
    });
    await store.update<'BackupConfiguration'>({ ...labelled, spec: { ...labelled.spec, paused: true } });
    expect(changes).toEqual([
      'added BackupConfiguration/b',
      'status BackupConfiguration/b',
      'metadata BackupConfiguration/b',
      'spec BackupConfiguration/b',
    ]);
  });

  it('reports every object a cascade removed as deleted, and an owned object it only marked as changed', async () => {
    const owner = await store.create(backupConfiguration(NS, 'b'));
    const s1 = await store.create(backupSession(NS, 's1', ownedBy(owner)));
    await store.create(backupSession(NS, 's2', ownedBy(owner)));
    await store.create(secret(NS, 'g', ownedBy(s1)));
    await store.create(secret(NS, 'held', { ...ownedBy(owner), finalizers: ['stash'] }));
    await store.create(secret(NS, 'unrelated'));
    changes.length = 0;
    await store.delete('BackupConfiguration', NS, 'b');
    expect(changes.filter((c) => c.startsWith('deleted ')).sort()).toEqual([
      'deleted BackupConfiguration/b',
      'deleted BackupSession/s1',
      'deleted BackupSession/s2',
      'deleted Secret/g',
    ]);
    expect(changes.filter((c) => !c.startsWith('deleted '))).toEqual(['spec Secret/held']);
  });

  it('a delete that only marks the object reports one change, a second delete none, the last finalizer the deletion', async () => {
    await store.create(backupConfiguration(NS, 'b', { finalizers: ['stash'] }));
    changes.length = 0;
    await store.delete('BackupConfiguration', NS, 'b');
    await store.delete('BackupConfiguration', NS, 'b');
    expect(changes).toEqual(['spec BackupConfiguration/b']);
    const marked = (await store.get('BackupConfiguration', NS, 'b'))!;
    await store.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    expect(changes.at(-1)).toBe('deleted BackupConfiguration/b');
  });

  it('a watcher learns of the writes another process makes to the same file', async () => {
    const other = openStateDb(join(dir, 'state.db'));
    try {
      await new LocalStore(other).create(secret(NS, 'from-elsewhere'));
      await waitFor('the other write to be reported', () =>
        changes.includes('added Secret/from-elsewhere') ? true : undefined,
      );
    } finally {
      other.close();
    }
  });

  it('updateStatus is atomic across connections to the same file', async () => {
    const other = openStateDb(join(dir, 'state.db'));
    try {
      const stores = [store, new LocalStore(other)];
      await store.create(backupConfiguration(NS, 'b'));
      for (let i = 0; i < 20; i++) {
        await stores[i % 2]!.updateStatus('BackupConfiguration', NS, 'b', (cur) => ({
          ...cur.status,
          conditions: [...(cur.status?.conditions ?? []), { type: `T${i}`, status: 'True' as const }],
        }));
      }
      const read = await stores[1]!.get('BackupConfiguration', NS, 'b');
      expect(read?.status?.conditions).toHaveLength(20);
    } finally {
      other.close();
    }
  });
});
