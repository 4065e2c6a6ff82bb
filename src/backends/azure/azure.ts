/** Azure Blob Storage. */
import { connectionsOption, containerRepository } from '../paths.ts';
import type { BackendProvider } from '../types.ts';

export const azureBackend: BackendProvider<'azure'> = {
  provider: 'azure',
  plan: (spec, secret) => ({
    repository: containerRepository('azure', spec.container, spec.prefix),
    env: {
      ...secret.pick(['AZURE_ACCOUNT_NAME', 'AZURE_ACCOUNT_KEY']),
      // Stowage extension (Stash ignores it): sovereign clouds and emulators (restic >= 0.16).
      ...secret.pick(['AZURE_ENDPOINT_SUFFIX']),
    },
    globalArgs: connectionsOption('azure', spec.maxConnections),
  }),
};
