/**
 * KubeStore against a real API server with Stowage's CRDs: what goes in comes back (metadata the
 * server adds, fields the schemas leave open), the error codes match LocalStore's, status writes
 * go through the status subresource and survive a concurrent writer, and deleting an owner lets
 * kube-controller-manager's garbage collector remove what it owns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import type { KubeClients } from '../../../src/runtime/kubernetes/kube-client.ts';
import { KubeStore } from '../../../src/runtime/kubernetes/kube-store.ts';
import { StowageError, ValidationError } from '../../../src/errors.ts';
import { eventually, newNamespace, startKubeTestEnv, type KubeTestEnv } from './kube-support.ts';

let env: KubeTestEnv;
let store: KubeStore;

beforeAll(async () => {
  env = await startKubeTestEnv();
  store = new KubeStore({ clients: env.clients });
});

afterAll(async () => {
  await env?.cluster.stop();
});

function bc(
  namespace: string,
  name: string,
  extra: Partial<ObjectOf<'BackupConfiguration'>['metadata']> = {},
) {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name, namespace, ...extra },
    spec: {
      schedule: '*/5 * * * *',
      repository: { name: 'repo' },
      target: { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'db' } },
      retentionPolicy: { name: 'keep', keepLast: 5, prune: true },
      runtimeSettings: { pod: { nodeSelector: { disk: 'ssd' }, futureField: { a: 1 } } },
    },
  } as unknown as ObjectOf<'BackupConfiguration'>;
}

function session(namespace: string, name: string, owner?: ObjectOf<'BackupConfiguration'>) {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupSession',
    metadata: {
      name,
      namespace,
      labels: { 'stash.appscode.com/invoker-name': owner?.metadata.name ?? 'pg' },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'stash.appscode.com/v1beta1',
                kind: 'BackupConfiguration',
                name: owner.metadata.name ?? '',
                uid: owner.metadata.uid ?? '',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: { invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: 'pg' } },
  } as ObjectOf<'BackupSession'>;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StowageError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('KubeStore', () => {
  it('creates and reads back an object with the server metadata and every field', async () => {
    const ns = await newNamespace(env.clients, 'store-crud');
    const created = await store.create<'BackupConfiguration'>(
      bc(ns, 'pg', {
        labels: { team: 'db' },
        annotations: { note: 'kept' },
        finalizers: ['stash.appscode.com'],
      }),
    );
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.resourceVersion).toBeTruthy();
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const got = await store.get('BackupConfiguration', ns, 'pg');
    expect(got).toBeDefined();
    expect(got!.kind).toBe('BackupConfiguration');
    expect(got!.apiVersion).toBe('stash.appscode.com/v1beta1');
    expect(got!.metadata).toMatchObject({
      name: 'pg',
      namespace: ns,
      uid: created.metadata.uid,
      labels: { team: 'db' },
      annotations: { note: 'kept' },
      finalizers: ['stash.appscode.com'],
    });
    // CRD defaults applied by the server; open objects kept as written.
    expect(got!.spec.driver).toBe('Restic');
    expect(got!.spec.backupHistoryLimit).toBe(1);
    expect(got!.spec.runtimeSettings?.pod).toEqual({ nodeSelector: { disk: 'ssd' }, futureField: { a: 1 } });

    expect(await codeOf(store.create<'BackupConfiguration'>(bc(ns, 'pg')))).toBe('ALREADY_EXISTS');
    expect(await store.get('BackupConfiguration', ns, 'absent')).toBeUndefined();

    // A read → change → update round trip keeps what the caller did not touch.
    const changed = structuredClone(got!);
    changed.spec.schedule = '0 * * * *';
    changed.metadata.labels = { ...changed.metadata.labels, extra: 'x' };
    const updated = await store.update<'BackupConfiguration'>(changed);
    expect(updated.metadata.generation).toBe(2);
    const again = await store.get('BackupConfiguration', ns, 'pg');
    expect(again!.spec.schedule).toBe('0 * * * *');
    expect(again!.metadata).toMatchObject({
      labels: { team: 'db', extra: 'x' },
      annotations: { note: 'kept' },
      finalizers: ['stash.appscode.com'],
      uid: created.metadata.uid,
    });
    expect(again!.spec.runtimeSettings?.pod).toEqual({
      nodeSelector: { disk: 'ssd' },
      futureField: { a: 1 },
    });

    // A stale resourceVersion is a CONFLICT; none at all is "last writer wins", as in LocalStore.
    expect(await codeOf(store.update(got!))).toBe('CONFLICT');
    const unversioned = structuredClone(again!);
    delete unversioned.metadata.resourceVersion;
    unversioned.spec.paused = true;
    expect((await store.update<'BackupConfiguration'>(unversioned)).spec.paused).toBe(true);
    expect(await codeOf(store.update(bc(ns, 'absent')))).toBe('NOT_FOUND');

    // Finalizers are honoured by the server: delete waits for them to be removed.
    expect(await store.delete('BackupConfiguration', ns, 'pg')).toBe(true);
    const terminating = await store.get('BackupConfiguration', ns, 'pg');
    expect(terminating?.metadata.deletionTimestamp).toBeTruthy();
    await store.update<'BackupConfiguration'>({
      ...terminating!,
      metadata: { ...terminating!.metadata, finalizers: [] },
    });
    await eventually('the BackupConfiguration to go', async () =>
      (await store.get('BackupConfiguration', ns, 'pg')) ? undefined : true,
    );
    expect(await store.delete('BackupConfiguration', ns, 'pg')).toBe(false);
  });

  it('fills names from generateName, and handles Secrets and cluster-scoped kinds', async () => {
    const ns = await newNamespace(env.clients, 'store-kinds');
    const generated = await store.create({
      ...session(ns, ''),
      metadata: { generateName: 'pg-', namespace: ns },
    } as ObjectOf<'BackupSession'>);
    expect(generated.metadata.name).toMatch(/^pg-[a-z0-9]{5}$/);

    await store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns, labels: { app: 'x' } },
      stringData: { RESTIC_PASSWORD: 'pw' },
    } as ObjectOf<'Secret'>);
    const secret = await store.get('Secret', ns, 'creds');
    expect(secret).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      data: { RESTIC_PASSWORD: Buffer.from('pw').toString('base64') },
    });
    expect(secret!.metadata.creationTimestamp).toMatch(/Z$/);
    const secrets = await store.list('Secret', { namespace: ns, labels: { app: 'x' } });
    expect(secrets.map((s) => [s.kind, s.metadata.name])).toEqual([['Secret', 'creds']]);

    await store.create({
      apiVersion: 'stash.appscode.com/v1beta1',
      kind: 'Task',
      metadata: { name: `t-${ns}` },
      spec: { steps: [{ name: 'update-status' }] },
    } as ObjectOf<'Task'>);
    const task = await store.get('Task', 'ignored', `t-${ns}`);
    expect(task?.metadata.namespace).toBeUndefined();
    expect((await store.list('Task')).map((t) => t.metadata.name)).toContain(`t-${ns}`);
    expect(await store.delete('Task', '', `t-${ns}`)).toBe(true);
  });

  it("maps the server's validation errors to INVALID_INPUT with the field", async () => {
    const ns = await newNamespace(env.clients, 'store-invalid');
    const bad = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'Not_A_DNS_Name', namespace: ns },
    } as ObjectOf<'Secret'>;
    const e = await store.create(bad).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe('INVALID_INPUT');
    expect((e as ValidationError).issues[0]?.path).toBe('metadata.name');
  });

  it('writes status through the status subresource only', async () => {
    const ns = await newNamespace(env.clients, 'store-status');
    const created = await store.create<'BackupSession'>(session(ns, 's1'));
    const after = await store.updateStatus('BackupSession', ns, 's1', (cur) => {
      // A mutation of the spec on the way must not reach the server.
      cur.spec.retryLeft = 7;
      return { ...(cur.status ?? {}), phase: 'Running' as const };
    });
    expect(after.status?.phase).toBe('Running');
    const read = await store.get('BackupSession', ns, 's1');
    expect(read!.status?.phase).toBe('Running');
    expect(read!.spec.retryLeft).toBeUndefined();
    expect(read!.metadata.generation).toBe(created.metadata.generation);

    // And update() does not write status.
    await store.update<'BackupSession'>({ ...read!, status: { phase: 'Failed' } });
    expect((await store.get('BackupSession', ns, 's1'))!.status?.phase).toBe('Running');

    // undefined and unchanged statuses write nothing.
    const rv = read!.metadata.resourceVersion;
    await store.updateStatus('BackupSession', ns, 's1', () => undefined);
    await store.updateStatus('BackupSession', ns, 's1', (cur) => cur.status);
    expect((await store.get('BackupSession', ns, 's1'))!.metadata.resourceVersion).toBe(rv);

    expect(await codeOf(store.updateStatus('BackupSession', ns, 'absent', () => ({})))).toBe('NOT_FOUND');
    expect(await codeOf(store.updateStatus('Secret', ns, 'x', () => undefined))).toBe('INVALID_INPUT');
  });

  it('re-reads and re-applies the mutation when another writer got in between', async () => {
    const ns = await newNamespace(env.clients, 'store-conflict');
    await store.create<'BackupSession'>(session(ns, 's1'));
    // A client whose first status PUT is preceded by another writer's (a second KubeStore).
    const other = new KubeStore({ clients: env.clients });
    let interfered = false;
    const custom = new Proxy(env.clients.custom, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'replaceNamespacedCustomObjectStatus' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (!interfered) {
            interfered = true;
            await other.updateStatus('BackupSession', ns, 's1', (cur) => ({
              ...(cur.status ?? {}),
              sessionDuration: '1s',
            }));
          }
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const racing = new KubeStore({ clients: { ...env.clients, custom } as KubeClients });
    let calls = 0;
    const result = await racing.updateStatus('BackupSession', ns, 's1', (cur) => {
      calls++;
      return { ...(cur.status ?? {}), phase: 'Running' as const };
    });
    expect(interfered).toBe(true);
    expect(calls).toBe(2);
    expect(result.status).toMatchObject({ phase: 'Running', sessionDuration: '1s' });

    // Out of retries: CONFLICT.
    let attempts = 0;
    const alwaysLate = new Proxy(env.clients.custom, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'replaceNamespacedCustomObjectStatus' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          attempts++;
          await other.updateStatus('BackupSession', ns, 's1', (cur) => ({
            ...(cur.status ?? {}),
            sessionDuration: `${attempts + 10}s`, // differs every time: a real write
          }));
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const loser = new KubeStore({
      clients: { ...env.clients, custom: alwaysLate } as KubeClients,
      statusRetries: 2,
    });
    expect(
      await codeOf(
        loser.updateStatus('BackupSession', ns, 's1', (cur) => ({ ...cur.status, phase: 'Failed' as const })),
      ),
    ).toBe('CONFLICT');
    expect(attempts).toBe(3);
  });

  it('lists by namespace and equality label selector', async () => {
    const a = await newNamespace(env.clients, 'store-list');
    const b = await newNamespace(env.clients, 'store-list');
    await store.create<'BackupSession'>(session(a, 's1'));
    await store.create({
      ...session(a, 's2'),
      metadata: { ...session(a, 's2').metadata, labels: { 'stash.appscode.com/invoker-name': 'other' } },
    });
    await store.create<'BackupSession'>(session(b, 's3'));
    const inA = await store.list('BackupSession', { namespace: a });
    expect(inA.map((s) => s.metadata.name)).toEqual(['s1', 's2']);
    expect(inA.every((s) => s.kind === 'BackupSession')).toBe(true);
    const pgInA = await store.list('BackupSession', {
      namespace: a,
      labels: { 'stash.appscode.com/invoker-name': 'pg' },
    });
    expect(pgInA.map((s) => s.metadata.name)).toEqual(['s1']);
    const pgEverywhere = await store.list('BackupSession', {
      labels: { 'stash.appscode.com/invoker-name': 'pg' },
    });
    expect(pgEverywhere.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(
      expect.arrayContaining([`${a}/s1`, `${b}/s3`]),
    );
    expect(pgEverywhere.some((s) => s.metadata.name === 's2')).toBe(false);
  });

  it('deletes in the background: the garbage collector removes owned sessions and their Jobs', async () => {
    const ns = await newNamespace(env.clients, 'store-gc');
    const owner = await store.create<'BackupConfiguration'>(bc(ns, 'pg'));
    const s = await store.create<'BackupSession'>(session(ns, 'pg-1', owner));
    await env.clients.batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: {
          name: 'stash-backup-pg-1-0',
          ownerReferences: [
            {
              apiVersion: 'stash.appscode.com/v1beta1',
              kind: 'BackupSession',
              name: 'pg-1',
              uid: s.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          backoffLimit: 0,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'example.invalid/x' }] },
          },
        },
      },
    });
    expect(await store.delete('BackupConfiguration', ns, 'pg')).toBe(true);
    await eventually('the owned BackupSession to be collected', async () =>
      (await store.get('BackupSession', ns, 'pg-1')) ? undefined : true,
    );
    await eventually('the session-owned Job to be collected', async () => {
      const jobs = await env.clients.batch.listNamespacedJob({ namespace: ns });
      return jobs.items.length === 0 ? true : undefined;
    });
  });

  it('records events tied to the object and lists them oldest first', async () => {
    const ns = await newNamespace(env.clients, 'store-events');
    const s = await store.create<'BackupSession'>(session(ns, 's1'));
    const involved = { kind: 'BackupSession', namespace: ns, name: 's1' };
    await store.recordEvent({
      involvedObject: involved,
      type: 'Normal',
      reason: 'BackupJobCreated',
      message: 'Created backup job stash-backup-s1-0',
      source: 'BackupSession Controller',
    });
    await store.recordEvent({
      involvedObject: involved,
      type: 'Warning',
      reason: 'BackupDisrupted',
      message: 'Backup job failed',
      source: 'BackupSession Controller',
    });
    await store.recordEvent({
      involvedObject: { ...involved, name: 'other' },
      type: 'Normal',
      reason: 'Unrelated',
      message: '-',
      source: 'x',
    });
    const events = await store.listEvents(involved);
    expect(events.map((e) => [e.type, e.reason, e.message, e.source])).toEqual([
      ['Normal', 'BackupJobCreated', 'Created backup job stash-backup-s1-0', 'BackupSession Controller'],
      ['Warning', 'BackupDisrupted', 'Backup job failed', 'BackupSession Controller'],
    ]);
    expect(events[0]!.time).toMatch(/Z$/);
    const raw = await env.clients.core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=s1',
    });
    expect(raw.items[0]!.involvedObject).toMatchObject({
      apiVersion: 'stash.appscode.com/v1beta1',
      uid: s.metadata.uid,
    });
    expect(raw.items[0]!.reportingComponent).toBe('stowage');
  });
});
