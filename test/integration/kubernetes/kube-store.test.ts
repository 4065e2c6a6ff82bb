/**
 * KubeStore against a real API server with Stowage's CRDs: the Store contract, and what only the
 * API server has — the fields it adds and defaults (and the open ones it keeps), the status
 * subresource raced by another writer, Jobs collected with their session, and Events as
 * `kubectl describe` reads them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeClients } from '../../../src/runtime/kubernetes/kube-client.ts';
import { KubeStore } from '../../../src/runtime/kubernetes/kube-store.ts';
import { StowageError } from '../../../src/errors.ts';
import { storeContract } from '../store/contract.ts';
import { backupConfiguration, backupSession, ownedBy } from '../store/objects.ts';
import { useKubeTestEnv } from './kube-env-hooks.ts';
import { eventuallyCollected, newNamespace } from './kube-support.ts';

const env = useKubeTestEnv();
// The garbage collector discovers resource types every 30 s; a restart makes it see the CRDs now.
beforeAll(() => env.cluster.restartControllerManager());

storeContract(
  'KubeStore',
  () => Promise.resolve({ store: env.store, newNamespace: (prefix) => newNamespace(env.clients, prefix) }),
  { everyNamespaceExists: false },
);

/** The status PUTs of a KubeStore whose every first attempt (or every attempt) races `before`. */
function racedStore(before: () => Promise<void>, o: { always: boolean; statusRetries?: number }): KubeStore {
  let raced = false;
  const custom = new Proxy(env.clients.custom, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'replaceNamespacedCustomObjectStatus' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (o.always || !raced) {
          raced = true;
          await before();
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return new KubeStore({
    clients: { ...env.clients, custom } as KubeClients,
    ...(o.statusRetries !== undefined ? { statusRetries: o.statusRetries } : {}),
  });
}

describe('KubeStore only', () => {
  let store: KubeStore;
  beforeAll(() => {
    store = env.store;
  });

  it('keeps every field through a read → change → update: server defaults, open objects, metadata', async () => {
    const ns = await newNamespace(env.clients, 'store-fields');
    const bc = backupConfiguration(ns, 'pg', {
      labels: { team: 'db' },
      annotations: { note: 'kept' },
      finalizers: ['stash.appscode.com'],
    });
    (bc.spec as Record<string, unknown>).runtimeSettings = {
      pod: { nodeSelector: { disk: 'ssd' }, futureField: { a: 1 } },
    };
    const created = await store.create<'BackupConfiguration'>(bc);
    const got = (await store.get('BackupConfiguration', ns, 'pg'))!;
    expect(got.apiVersion).toBe('stash.appscode.com/v1beta1');
    // CRD defaults applied by the server; open objects kept as written.
    expect(got.spec.driver).toBe('Restic');
    expect(got.spec.backupHistoryLimit).toBe(1);
    const pod = { nodeSelector: { disk: 'ssd' }, futureField: { a: 1 } };
    expect(got.spec.runtimeSettings?.pod).toEqual(pod);

    const changed = structuredClone(got);
    changed.spec.schedule = '0 * * * *';
    changed.metadata.labels = { ...changed.metadata.labels, extra: 'x' };
    await store.update<'BackupConfiguration'>(changed);
    const again = (await store.get('BackupConfiguration', ns, 'pg'))!;
    expect(again.spec.schedule).toBe('0 * * * *');
    expect(again.spec.runtimeSettings?.pod).toEqual(pod);
    expect(again.metadata).toMatchObject({
      labels: { team: 'db', extra: 'x' },
      annotations: { note: 'kept' },
      finalizers: ['stash.appscode.com'],
      uid: created.metadata.uid,
    });
  });

  it('updateStatus re-reads and re-applies the mutation when another writer got in between', async () => {
    const ns = await newNamespace(env.clients, 'store-conflict');
    await store.create<'BackupSession'>(backupSession(ns, 's1'));
    const other = new KubeStore({ clients: env.clients });
    let writes = 0;
    const otherWrites = () =>
      other
        .updateStatus('BackupSession', ns, 's1', (cur) => ({
          ...cur.status,
          sessionDuration: `${++writes}s`, // differs every time: a real write
        }))
        .then(() => undefined);

    let calls = 0;
    const result = await racedStore(otherWrites, { always: false }).updateStatus(
      'BackupSession',
      ns,
      's1',
      (cur) => {
        calls++;
        return { ...cur.status, phase: 'Running' as const };
      },
    );
    expect(calls).toBe(2);
    expect(result.status).toMatchObject({ phase: 'Running', sessionDuration: '1s' });

    // Out of retries: CONFLICT.
    const loser = racedStore(otherWrites, { always: true, statusRetries: 2 });
    const e = await loser
      .updateStatus('BackupSession', ns, 's1', (cur) => ({ ...cur.status, phase: 'Failed' as const }))
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StowageError);
    expect((e as StowageError).code).toBe('CONFLICT');
    expect(writes).toBe(1 + 3);
  });

  it("deleting a BackupConfiguration lets the garbage collector take its sessions' Jobs too", async () => {
    const ns = await newNamespace(env.clients, 'store-gc');
    const owner = await store.create<'BackupConfiguration'>(backupConfiguration(ns, 'pg'));
    const s = await store.create<'BackupSession'>(backupSession(ns, 'pg-1', ownedBy(owner)));
    await env.clients.batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'stash-backup-pg-1-0', ownerReferences: ownedBy(s).ownerReferences },
        spec: {
          backoffLimit: 0,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'example.invalid/x' }] },
          },
        },
      },
    });
    expect(await store.delete('BackupConfiguration', ns, 'pg')).toBe(true);
    await eventuallyCollected(env.clients, ns, ['Job']);
  });

  it('writes Events as kubectl describe reads them: tied to the object by apiVersion and uid, from stowage', async () => {
    const ns = await newNamespace(env.clients, 'store-events');
    const s = await store.create<'BackupSession'>(backupSession(ns, 's1'));
    await store.recordEvent({
      involvedObject: { kind: 'BackupSession', namespace: ns, name: 's1' },
      type: 'Normal',
      reason: 'BackupJobCreated',
      message: 'Created backup job stash-backup-s1-0',
      source: 'BackupSession Controller',
    });
    const raw = await env.clients.core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=s1',
    });
    expect(raw.items).toHaveLength(1);
    expect(raw.items[0]!.involvedObject).toMatchObject({
      apiVersion: 'stash.appscode.com/v1beta1',
      uid: s.metadata.uid,
    });
    expect(raw.items[0]!.source?.component).toBe('BackupSession Controller');
    expect(raw.items[0]!.reportingComponent).toBe('stowage');
  });
});
