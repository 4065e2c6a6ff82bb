import { join } from 'node:path';
import { backendContract } from './contract.ts';
import { tempDir } from '../../harness/restic.ts';

backendContract('local', async () => {
  const t = await tempDir('stowage-local-backend-');
  const mountPath = join(t.dir, 'volume', 'repo');
  return {
    backend: { storageSecretName: 'local-secret', local: { mountPath } },
    secret: { RESTIC_PASSWORD: 'local-pw' },
    expectedRepository: mountPath,
    cleanup: () => t.cleanup(),
  };
});
