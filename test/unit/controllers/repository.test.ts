import { describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import type { RepositoryWiper } from '../../../src/backends/wipe-out.ts';
import type { ControllerContext } from '../../../src/controllers/context.ts';
import {
  reconcileRepository,
  REPOSITORY_FINALIZER,
  WIPE_OUT_RETRY_MS,
} from '../../../src/controllers/repository/reconcile.ts';
import { StowageError } from '../../../src/errors.ts';
import { backupConfiguration, controllerContext, ns, repository } from './fixtures.ts';

const s3Backend = {
  storageSecretName: 's3-secret',
  s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'backups', prefix: 'demo/pg' },
};

const s3Secret: ObjectOf<'Secret'> = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's3-secret', namespace: ns },
  data: {
    RESTIC_PASSWORD: Buffer.from('pw').toString('base64'),
    AWS_ACCESS_KEY_ID: Buffer.from('key-id').toString('base64'),
    AWS_SECRET_ACCESS_KEY: Buffer.from('very-secret').toString('base64'),
  },
};

const s3Repository = (wipeOut: boolean): ObjectOf<'Repository'> => ({
  ...repository('repo'),
  spec: { backend: s3Backend, wipeOut },
});

/** A wiper that records its calls and answers from a script (an error, or success). */
function scriptedWiper(script: Array<Error | undefined> = []) {
  const calls: Array<{ backend: unknown; secret: Record<string, string> }> = [];
  const wiper: RepositoryWiper = (backend, secret) => {
    calls.push({ backend, secret: { ...secret } });
    const next = script.shift();
    if (next) return Promise.reject(next);
    return Promise.resolve({ location: 's3:http://127.0.0.1:9000/backups/demo/pg/', removed: 7 });
  };
  return { wiper, calls };
}

function setUp(wiper?: RepositoryWiper) {
  const clock = new Date('2026-11-25T10:00:00Z');
  const fixture = controllerContext(clock);
  const ctx: ControllerContext = { ...fixture.ctx, ...(wiper ? { repositoryWiper: wiper } : {}) };
  const advance = (ms: number) => clock.setTime(clock.getTime() + ms);
  return { ...fixture, ctx, advance };
}

const eventsOf = async (store: ReturnType<typeof controllerContext>['store']) =>
  (await store.listEvents({ kind: 'Repository', namespace: ns, name: 'repo' })).map((e) => ({
    type: e.type,
    reason: e.reason,
    message: e.message,
  }));

describe('Repository reconcile: finalizer and wipeOut', () => {
  it('adds the finalizer `stash` once, and keeps status.references in sync', async () => {
    const { ctx, store } = setUp();
    await store.create(repository('repo'));
    await store.create(backupConfiguration('bc'));
    await reconcileRepository(ctx, ns, 'repo');
    const repo = await store.get('Repository', ns, 'repo');
    expect(repo?.metadata.finalizers).toEqual([REPOSITORY_FINALIZER]);
    expect(repo?.status?.references).toEqual([{ kind: 'BackupConfiguration', namespace: ns, name: 'bc' }]);
    const rv = repo?.metadata.resourceVersion;
    await reconcileRepository(ctx, ns, 'repo');
    expect((await store.get('Repository', ns, 'repo'))?.metadata.resourceVersion).toBe(rv);
  });

  it('keeps finalizers set by others', async () => {
    const { ctx, store } = setUp();
    await store.create({
      ...repository('repo'),
      metadata: { name: 'repo', namespace: ns, finalizers: ['other'] },
    });
    await reconcileRepository(ctx, ns, 'repo');
    expect((await store.get('Repository', ns, 'repo'))?.metadata.finalizers).toEqual(['other', 'stash']);
  });

  it('deleted without wipeOut: the finalizer is removed and the Repository goes; the wiper is not called', async () => {
    const { wiper, calls } = scriptedWiper();
    const { ctx, store } = setUp(wiper);
    await store.create(s3Repository(false));
    await store.create(s3Secret);
    await reconcileRepository(ctx, ns, 'repo');
    expect(await store.delete('Repository', ns, 'repo')).toBe(true);
    expect((await store.get('Repository', ns, 'repo'))?.metadata.deletionTimestamp).toBeTruthy();
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({});
    expect(await store.get('Repository', ns, 'repo')).toBeUndefined();
    expect(calls).toEqual([]);
    expect(await eventsOf(store)).toEqual([]);
  });

  it('deleted with wipeOut: the wiper gets the backend and the decoded Secret, then the Repository goes', async () => {
    const { wiper, calls } = scriptedWiper();
    const { ctx, store } = setUp(wiper);
    await store.create(s3Repository(true));
    await store.create(s3Secret);
    await reconcileRepository(ctx, ns, 'repo');
    await store.delete('Repository', ns, 'repo');
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({});
    expect(calls).toEqual([
      {
        backend: s3Backend,
        secret: { RESTIC_PASSWORD: 'pw', AWS_ACCESS_KEY_ID: 'key-id', AWS_SECRET_ACCESS_KEY: 'very-secret' },
      },
    ]);
    expect(await store.get('Repository', ns, 'repo')).toBeUndefined();
    expect(await eventsOf(store)).toEqual([
      {
        type: 'Normal',
        reason: 'WipedOut',
        message: 'Deleted 7 backend objects under s3:http://127.0.0.1:9000/backups/demo/pg/',
      },
    ]);
  });

  it('a failing wipe keeps the Repository and its finalizer, records a Warning with the reason, and retries with a backoff', async () => {
    const { wiper, calls } = scriptedWiper([
      new StowageError('WIPE_OUT_FAILED', 'deleting the objects under s3:…: Access Denied.'),
      new Error('connect ECONNREFUSED 127.0.0.1:9000'),
    ]);
    const { ctx, store, advance } = setUp(wiper);
    await store.create(s3Repository(true));
    await store.create(s3Secret);
    await reconcileRepository(ctx, ns, 'repo');
    await store.delete('Repository', ns, 'repo');

    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({ requeueAfterMs: WIPE_OUT_RETRY_MS });
    const kept = await store.get('Repository', ns, 'repo');
    expect(kept?.metadata.finalizers).toEqual([REPOSITORY_FINALIZER]);
    expect(kept?.metadata.deletionTimestamp).toBeTruthy();
    const [warning] = await eventsOf(store);
    expect(warning).toMatchObject({ type: 'Warning', reason: 'WipeOutFailed' });
    expect(warning?.message).toContain('Access Denied.');
    expect(warning?.message).toContain('s3:http://127.0.0.1:9000/backups/demo/pg/');
    expect(warning?.message).toContain('set spec.wipeOut to false');
    expect(warning?.message).not.toContain('very-secret');

    // Too early: no new attempt, come back when the backoff is over.
    advance(10_000);
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({
      requeueAfterMs: WIPE_OUT_RETRY_MS - 10_000,
    });
    expect(calls).toHaveLength(1);

    // Second failure: the delay doubles.
    advance(20_000);
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({ requeueAfterMs: 2 * WIPE_OUT_RETRY_MS });
    expect(calls).toHaveLength(2);
    expect((await eventsOf(store)).map((e) => e.reason)).toEqual(['WipeOutFailed', 'WipeOutFailed']);
    expect((await eventsOf(store))[1]?.message).toContain('ECONNREFUSED');

    // Then it works: the Repository goes.
    advance(2 * WIPE_OUT_RETRY_MS);
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({});
    expect(calls).toHaveLength(3);
    expect(await store.get('Repository', ns, 'repo')).toBeUndefined();
    expect((await eventsOf(store)).map((e) => e.reason)).toEqual([
      'WipeOutFailed',
      'WipeOutFailed',
      'WipedOut',
    ]);
  });

  it('a missing storage Secret is a failed wipe (Warning, Repository kept), not a silent skip', async () => {
    const { wiper, calls } = scriptedWiper();
    const { ctx, store } = setUp(wiper);
    await store.create(s3Repository(true));
    await reconcileRepository(ctx, ns, 'repo');
    await store.delete('Repository', ns, 'repo');
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({ requeueAfterMs: WIPE_OUT_RETRY_MS });
    expect(calls).toEqual([]);
    expect(await store.get('Repository', ns, 'repo')).toBeDefined();
    expect((await eventsOf(store))[0]?.message).toContain(
      'Secret "s3-secret" in namespace "demo" (spec.backend.storageSecretName of Repository "repo") not found',
    );
  });

  it('setting wipeOut to false on a Repository stuck in deletion lets it go without wiping', async () => {
    const { wiper, calls } = scriptedWiper([new Error('bucket unreachable')]);
    const { ctx, store } = setUp(wiper);
    await store.create(s3Repository(true));
    await store.create(s3Secret);
    await reconcileRepository(ctx, ns, 'repo');
    await store.delete('Repository', ns, 'repo');
    await reconcileRepository(ctx, ns, 'repo');
    const stuck = (await store.get('Repository', ns, 'repo'))!;
    await store.update<'Repository'>({ ...stuck, spec: { ...stuck.spec, wipeOut: false } });
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({});
    expect(await store.get('Repository', ns, 'repo')).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('a Repository stored before its provider was refused for wipeOut is deleted with a WipeOutSkipped warning', async () => {
    const { wiper, calls } = scriptedWiper();
    const { ctx, store } = setUp(wiper);
    await store.create({
      ...repository('repo'),
      spec: { backend: { gcs: { bucket: 'b' }, storageSecretName: 's' } },
    });
    await reconcileRepository(ctx, ns, 'repo');
    await store.delete('Repository', ns, 'repo');
    // What an older state database (or a cluster object written by Stash) holds: wipeOut on gcs.
    const legacy: ControllerContext = {
      ...ctx,
      store: new Proxy(store, {
        get(target, prop: keyof typeof store) {
          if (prop !== 'get') return (target[prop] as (...a: unknown[]) => unknown).bind(target);
          return async (kind: 'Repository', namespace: string, name: string) => {
            const o = await target.get(kind, namespace, name);
            return o && { ...o, spec: { ...o.spec, wipeOut: true } };
          };
        },
      }),
    };
    expect(await reconcileRepository(legacy, ns, 'repo')).toEqual({});
    expect(calls).toEqual([]);
    expect(await store.get('Repository', ns, 'repo')).toBeUndefined();
    const [skipped] = await eventsOf(store);
    expect(skipped).toMatchObject({ type: 'Warning', reason: 'WipeOutSkipped' });
    expect(skipped?.message).toMatch(/s3 and rest backends only.*left in place/);
  });

  it('a Repository that never got the finalizer (deleted before any reconcile) is simply gone', async () => {
    const { wiper, calls } = scriptedWiper();
    const { ctx, store } = setUp(wiper);
    await store.create(s3Repository(true));
    await store.delete('Repository', ns, 'repo');
    expect(await reconcileRepository(ctx, ns, 'repo')).toEqual({});
    expect(calls).toEqual([]);
  });
});
