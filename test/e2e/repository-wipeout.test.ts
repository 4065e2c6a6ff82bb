/**
 * A Repository with `wipeOut: true` on MinIO, as a user runs it on one machine: `stowage serve`
 * adds the finalizer `stash`, a backup fills the prefix, `stowage delete repository` marks it,
 * serve's Repository controller deletes every object under `<prefix>/` and then lets the
 * Repository go; objects next to the prefix stay. A wipeOut the backend cannot honour is refused
 * when applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMinio, type Minio } from '../harness/minio.ts';
import { waitFor } from '../harness/wait.ts';
import { backupStack, minioRepository, repoName } from './support/manifests.ts';
import { useStandaloneWithPostgres } from './support/standalone.ts';

let minio: Minio;
const BUCKET = 'stowage-wipe';

beforeAll(async () => {
  minio = await startMinio();
});
const env = useStandaloneWithPostgres('wipeout', { databases: ['shop'], tables: 1, rows: 200 });
afterAll(async () => {
  await minio?.stop();
});

const names = (prefix: string) => minio.objectNames(BUCKET, prefix);

describe('Repository wipeOut (standalone)', () => {
  it('stowage delete repository: the prefix is emptied, then the Repository is gone; the rest of the bucket stays', async () => {
    const { st, pg } = env;
    const n = { namespace: 'wipe', bc: 'shop' };
    const stack = backupStack(n, pg, minioRepository(minio, BUCKET, 'pg/shop'), {
      bcSpec: { task: { params: [{ name: 'databases', value: 'shop' }] } },
    }).map((o) => {
      const obj = o as { kind: string; spec: Record<string, unknown> };
      return obj.kind === 'Repository' ? { ...obj, spec: { ...obj.spec, wipeOut: true } } : obj;
    });
    await st.setUpBackup(n, stack);
    await waitFor('the finalizer on the Repository', async () =>
      (await st.get('Repository', n.namespace, repoName(n)))?.metadata.finalizers?.includes('stash')
        ? true
        : undefined,
    );

    await st.expectFinal('BackupSession', n.namespace, await st.trigger(n.namespace, n.bc));
    const stored = await names('pg/shop/');
    expect(stored).toContain('pg/shop/config');
    expect(stored.some((name) => name.startsWith('pg/shop/data/'))).toBe(true);
    // Next to the prefix, and a prefix that starts with the same characters: not the repository's.
    const s3 = minio.client();
    await s3.putObject(BUCKET, 'pg/notes.txt', 'keep');
    await s3.putObject(BUCKET, 'pg/shop-archive/dump.sql', 'keep');

    const deleted = await st.ok(['delete', 'repository', repoName(n), '-n', n.namespace]);
    expect(deleted.stdout).toMatch(
      new RegExp(`^repository/${repoName(n)} (marked for deletion|deleted)`, 'm'),
    );

    await waitFor(
      'the Repository to be gone',
      async () => ((await st.get('Repository', n.namespace, repoName(n))) ? undefined : true),
      { timeoutMs: 60_000, diagnostics: () => st.diagnostics('Repository', n.namespace, repoName(n)) },
    );
    expect(await names('pg/shop/')).toEqual([]);
    expect(await names('pg/')).toEqual(['pg/notes.txt', 'pg/shop-archive/dump.sql']);
    const events = await st.events('Repository', n.namespace, repoName(n));
    expect(events.map((e) => [e.type, e.reason])).toEqual([['Normal', 'WipedOut']]);
    expect(events[0]?.message).toBe(
      `Deleted ${stored.length} backend objects under s3:${minio.endpoint}/${BUCKET}/pg/shop/`,
    );
    expect(JSON.stringify(events)).not.toContain(minio.secretKey);
    expect(st.logs()).not.toContain(minio.secretKey);
  });

  it('wipeOut on a local backend is refused when applied, as Stash refuses it', async () => {
    const { st } = env;
    const r = await st.run([
      'apply',
      '-f',
      st.writeManifest([
        {
          apiVersion: 'stash.appscode.com/v1alpha1',
          kind: 'Repository',
          metadata: { name: 'local-repo', namespace: 'wipe' },
          spec: { backend: { local: { mountPath: '/tmp/x' }, storageSecretName: 's' }, wipeOut: true },
        },
      ]),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/spec\.wipeOut: wipeOut is not supported for local and b2 backends/);
    expect(await st.get('Repository', 'wipe', 'local-repo')).toBeUndefined();
  });
});
