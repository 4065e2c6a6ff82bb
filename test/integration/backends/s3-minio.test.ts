import { backendContract } from './contract.ts';
import { startMinio } from '../../harness/minio.ts';

backendContract('s3 (MinIO)', async () => {
  const minio = await startMinio();
  return {
    // restic creates the bucket on init; the prefix is joined with path.Join semantics.
    backend: {
      storageSecretName: 's3-secret',
      s3: { endpoint: minio.endpoint, bucket: 'stowage', prefix: '/demo//es/', region: 'us-east-1' },
    },
    secret: {
      RESTIC_PASSWORD: 's3-pw',
      AWS_ACCESS_KEY_ID: minio.accessKey,
      AWS_SECRET_ACCESS_KEY: minio.secretKey,
    },
    expectedRepository: `s3:${minio.endpoint}/stowage/demo/es`,
    cleanup: () => minio.stop(),
  };
});
