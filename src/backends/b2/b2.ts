/** Backblaze B2. */
import { connectionsOption, containerRepository } from '../paths.ts';
import type { BackendProvider } from '../types.ts';

export const b2Backend: BackendProvider<'b2'> = {
  provider: 'b2',
  plan: (spec, secret) => ({
    repository: containerRepository('b2', spec.bucket, spec.prefix),
    env: {
      B2_ACCOUNT_ID: secret.required('B2_ACCOUNT_ID', 'the B2 key id, required for a b2 backend'),
      B2_ACCOUNT_KEY: secret.required('B2_ACCOUNT_KEY', 'the B2 application key, required for a b2 backend'),
    },
    globalArgs: connectionsOption('b2', spec.maxConnections),
  }),
};
