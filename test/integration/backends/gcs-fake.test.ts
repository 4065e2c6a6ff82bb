import { backendContract } from './contract.ts';
import { startFakeGcs } from '../../harness/fake-gcs.ts';

backendContract('gcs (fake-gcs-server)', async () => {
  const gcs = await startFakeGcs();
  // restic 0.19.1 compares the storage library's (now wrapped) ErrBucketNotExist with ==, so it
  // cannot create a missing GCS bucket; as with real GCS, the bucket exists beforehand.
  await gcs.createBucket('stowage');
  return {
    backend: {
      storageSecretName: 'gcs-secret',
      gcs: { bucket: 'stowage', prefix: 'demo/es', maxConnections: 2 },
    },
    secret: { RESTIC_PASSWORD: 'gcs-pw', GOOGLE_PROJECT_ID: 'stowage-test' },
    expectedRepository: 'gs:stowage:/demo/es',
    extraEnv: gcs.env,
    cleanup: () => gcs.stop(),
  };
});
