/**
 * Elasticsearch/OpenSearch through the operator on a real API server: a KubeDB-style AppBinding
 * (TLS with caBundle, basic auth, KubeDB's `--match`) backed up by a Job into MinIO — once
 * streamed, once through an interim PVC (the Job's volume is a real PersistentVolumeClaim owned by
 * the session; the pod runner maps it to a folder) — and restored by a RestoreSession's Job, every
 * document, mapping and alias compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeStowage } from '../../harness/kube-stowage.ts';
import { startMinio, type Minio } from '../../harness/minio.ts';
import { startSearchEngine, type SearchEngine } from '../../harness/search-engine.ts';
import { restoreSession, type Names } from '../support/manifests.ts';
import { deleteIndices, fingerprint, seedSearchData } from '../support/search-data.ts';
import { searchBackupStack } from '../support/search-manifests.ts';

const INDICES = ['logs-2026', 'orders'];
const BUCKET = 'stowage-kube-es';
let engine: SearchEngine;
let minio: Minio;
let kube: KubeStowage;

beforeAll(async () => {
  [engine, minio] = await Promise.all([startSearchEngine('opensearch'), startMinio()]);
  kube = await KubeStowage.create({ name: 'elasticsearch' });
  await Promise.all([seedSearchData(engine), kube.startOperator()]);
}, 300_000);

afterAll(async () => {
  await kube?.cleanup();
  await Promise.all([engine?.stop(), minio?.stop()]);
});

const interim = {
  interimVolumeTemplate: {
    metadata: { name: 'es-interim' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
};

describe.each([
  { layout: 'stream', bcSpec: {}, path: /^\/elasticsearch\.ndjson$/ },
  // the pod runner mounts the session's PVC (<session>-es-interim) from a folder named after it
  { layout: 'folder', bcSpec: interim, path: /\/pvc\/kube-es-folder\/es-backup-\w+-es-interim\/data$/ },
])('elasticsearch addon on the operator, $layout layout', ({ layout, bcSpec, path }) => {
  it('backs up through a Job into MinIO and restores through a Job', async () => {
    const before = await fingerprint(engine, INDICES);
    const n: Names = { namespace: `kube-es-${layout}`, bc: 'es-backup' };
    await kube.apply(
      searchBackupStack(
        n,
        engine,
        { s3: { endpoint: minio.endpoint, bucket: BUCKET, prefix: layout, region: 'us-east-1' } },
        { bcSpec },
      ).map((o, i) =>
        i === 0
          ? {
              ...(o as { stringData: Record<string, string> }),
              stringData: {
                ...(o as { stringData: Record<string, string> }).stringData,
                AWS_ACCESS_KEY_ID: minio.accessKey,
                AWS_SECRET_ACCESS_KEY: minio.secretKey,
              },
            }
          : o,
      ),
    );
    await kube.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 60_000);
    const name = await kube.trigger(n.namespace, n.bc);
    const session = await kube.waitForFinal('BackupSession', n.namespace, name, 240_000);
    expect(session.status?.phase, await kube.diagnostics('BackupSession', n.namespace, name)).toBe(
      'Succeeded',
    );
    expect(session.status!.targets![0]!.stats![0]!.snapshots![0]!.path).toMatch(path);

    await deleteIndices(engine, INDICES);
    await kube.apply([restoreSession(n, 'es-restore')]);
    const restore = await kube.waitForFinal('RestoreSession', n.namespace, 'es-restore', 240_000);
    expect(restore.status?.phase, await kube.diagnostics('RestoreSession', n.namespace, 'es-restore')).toBe(
      'Succeeded',
    );
    expect(await fingerprint(engine, INDICES)).toEqual(before);
  }, 360_000);
});
