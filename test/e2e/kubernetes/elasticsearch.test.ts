/**
 * Elasticsearch/OpenSearch through the operator on a real API server: the backup/restore scenario
 * of ../scenarios/elasticsearch.ts by Jobs into MinIO — once streamed, once through an interim PVC
 * (the Job's volume is a real PersistentVolumeClaim owned by the session; the pod runner maps it
 * to a folder).
 */
import { afterAll, beforeAll } from 'vitest';
import { KubeStowage } from '../../harness/kube-stowage.ts';
import { startMinio, type Minio } from '../../harness/minio.ts';
import { startSearchEngine, type SearchEngine } from '../../harness/search-engine.ts';
import { searchRoundtrips } from '../scenarios/elasticsearch.ts';
import { minioRepository } from '../support/manifests.ts';
import { seedSearchData } from '../support/search-data.ts';

let engine: SearchEngine;
let minio: Minio;
let kube: KubeStowage;

beforeAll(async () => {
  [engine, minio] = await Promise.all([startSearchEngine('opensearch'), startMinio()]);
  kube = await KubeStowage.create({ name: 'elasticsearch' });
  await Promise.all([seedSearchData(engine), kube.start()]);
}, 300_000);

afterAll(async () => {
  await kube?.cleanup();
  await Promise.all([engine?.stop(), minio?.stop()]);
});

searchRoundtrips({
  runtime: () => kube,
  engine: () => engine,
  repository: (n) => minioRepository(minio, 'stowage-kube-es', n.namespace),
});
