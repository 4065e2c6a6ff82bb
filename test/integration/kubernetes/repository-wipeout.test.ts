/**
 * The Repository controller over KubeStore on a real API server: the finalizer `stash` is added,
 * a delete only marks the Repository (the server honours the finalizer), the wipe empties the
 * repository on a real rest-server, and removing the finalizer lets the server delete it. The
 * CRD's CEL rule refuses wipeOut for local and b2 backends, as zod (and Stash) do.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import { connectBackend } from '../../../src/backends/index.ts';
import type { ControllerContext } from '../../../src/controllers/context.ts';
import { reconcileRepository } from '../../../src/controllers/repository/reconcile.ts';
import type { Executor, Scheduler } from '../../../src/controllers/store.ts';
import { KubeStore } from '../../../src/runtime/kubernetes/kube-store.ts';
import { StowageError } from '../../../src/errors.ts';
import { resticFor, tempDir } from '../../harness/restic.ts';
import { startRestServer, type RestServer } from '../../harness/rest-server.ts';
import { eventually, newNamespace, startKubeTestEnv, type KubeTestEnv } from './kube-support.ts';

let env: KubeTestEnv;
let store: KubeStore;
let server: RestServer;
let work: { dir: string; cleanup(): Promise<void> };

beforeAll(async () => {
  [env, server, work] = await Promise.all([
    startKubeTestEnv(),
    startRestServer({ auth: true }),
    tempDir('stowage-kube-wipe-'),
  ]);
  store = new KubeStore({ clients: env.clients });
});
afterAll(async () => {
  await Promise.all([env?.cluster.stop(), server?.stop(), work?.cleanup()]);
});

function context(): ControllerContext {
  return {
    store,
    // The Repository controller uses neither.
    scheduler: {} as Scheduler,
    executor: {} as Executor,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
    settings: { image: 'stowage:test', pushgatewayUrl: undefined },
    metrics: {
      enabled: false,
      backupSessionCompleted: () => Promise.resolve(),
      restoreSessionCompleted: () => Promise.resolve(),
    },
  };
}

/** One reconcile, retried as the work queue would on a retryable error (a cacher still warming up answers 429). */
async function reconcile(ctx: ControllerContext, ns: string, name: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reconcileRepository(ctx, ns, name);
    } catch (e) {
      if (!(e instanceof StowageError && e.retryable) || attempt === 20) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('Repository finalizer and wipeOut on Kubernetes', () => {
  it('delete marks the Repository; the controller wipes the rest-server repository, then the server removes it', async () => {
    const ns = await newNamespace(env.clients, 'wipe');
    const secret = {
      RESTIC_PASSWORD: 'pw',
      REST_SERVER_USERNAME: server.username!,
      REST_SERVER_PASSWORD: server.password!,
    };
    const backend = { storageSecretName: 'rest-secret', rest: { url: `${server.url}${ns}/repo` } };
    const source = join(work.dir, 'source');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'data.bin'), randomBytes(100_000));
    const materialized = await connectBackend(backend, secret, { parentDir: work.dir });
    const restic = await resticFor(materialized.connection);
    await restic.ensureRepository();
    await restic.backupPaths({ paths: [source], host: 'h' });
    await materialized.dispose();
    expect((await filesUnder(join(server.dataDir, ns, 'repo'))).length).toBeGreaterThan(5);

    await store.create<'Secret'>({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'rest-secret', namespace: ns },
      stringData: secret,
    });
    await store.create<'Repository'>({
      apiVersion: 'stash.appscode.com/v1alpha1',
      kind: 'Repository',
      metadata: { name: 'repo', namespace: ns },
      spec: { backend, wipeOut: true },
    });
    const ctx = context();
    await reconcile(ctx, ns, 'repo');
    expect((await store.get('Repository', ns, 'repo'))?.metadata.finalizers).toEqual(['stash']);

    expect(await store.delete('Repository', ns, 'repo')).toBe(true);
    const marked = await store.get('Repository', ns, 'repo');
    expect(marked?.metadata.deletionTimestamp).toBeTruthy();

    expect(await reconcile(ctx, ns, 'repo')).toEqual({});
    await eventually('the Repository to be gone', async () =>
      (await store.get('Repository', ns, 'repo')) ? undefined : true,
    );
    expect(await filesUnder(join(server.dataDir, ns, 'repo'))).toEqual([]);
    const events = await store.listEvents({ kind: 'Repository', namespace: ns, name: 'repo' });
    expect(events.map((e) => [e.type, e.reason])).toEqual([['Normal', 'WipedOut']]);
    expect(events[0]?.message).toContain(`rest:${server.url}${ns}/repo/`);
    expect(events[0]?.message).not.toContain(server.password!);
  });

  it('the API server refuses wipeOut on a b2 backend (CEL), as Stash does, and accepts it on s3', async () => {
    const ns = await newNamespace(env.clients, 'wipe-cel');
    const repo = (name: string, backend: Record<string, unknown>) => ({
      group: 'stash.appscode.com',
      version: 'v1alpha1',
      plural: 'repositories',
      namespace: ns,
      body: {
        apiVersion: 'stash.appscode.com/v1alpha1',
        kind: 'Repository',
        metadata: { name, namespace: ns },
        spec: { backend: { ...backend, storageSecretName: 's' }, wipeOut: true },
      } satisfies Partial<ObjectOf<'Repository'>>,
    });
    const refused = await env.clients.custom
      .createNamespacedCustomObject(repo('b2', { b2: { bucket: 'bucket', prefix: 'p' } }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String((refused as { body?: unknown })?.body ?? refused)).toContain(
      'wipeOut is not supported for local and b2 backends',
    );
    await env.clients.custom.createNamespacedCustomObject(
      repo('s3', { s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'bucket' } }),
    );
  });
});
