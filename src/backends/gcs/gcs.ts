/** Google Cloud Storage. */
import { connectionsOption, containerRepository } from '../paths.ts';
import type { BackendProvider } from '../types.ts';

export const gcsBackend: BackendProvider<'gcs'> = {
  provider: 'gcs',
  plan: (spec, secret) => {
    const key = secret.optional('GOOGLE_SERVICE_ACCOUNT_JSON_KEY');
    return {
      repository: containerRepository('gs', spec.bucket, spec.prefix),
      env: secret.pick(['GOOGLE_PROJECT_ID']),
      globalArgs: connectionsOption('gs', spec.maxConnections),
      // Without a key restic uses ambient (workload identity) credentials.
      files:
        key === undefined
          ? []
          : [
              {
                name: 'GOOGLE_SERVICE_ACCOUNT_JSON_KEY',
                content: key,
                env: 'GOOGLE_APPLICATION_CREDENTIALS',
              },
            ],
    };
  },
};
