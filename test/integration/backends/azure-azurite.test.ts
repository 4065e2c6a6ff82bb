import { backendContract } from './contract.ts';
import { startAzurite } from '../../harness/azurite.ts';

backendContract('azure (Azurite)', async () => {
  const azurite = await startAzurite();
  return {
    backend: {
      storageSecretName: 'azure-secret',
      azure: { container: 'stowage', prefix: 'demo/es', maxConnections: 2 },
    },
    secret: {
      RESTIC_PASSWORD: 'azure-pw',
      AZURE_ACCOUNT_NAME: azurite.accountName,
      AZURE_ACCOUNT_KEY: azurite.accountKey,
      AZURE_ENDPOINT_SUFFIX: azurite.endpointSuffix,
      // The emulator's self-signed certificate travels like a private CA would: CA_CERT_DATA → --cacert.
      CA_CERT_DATA: azurite.caCert,
    },
    expectedRepository: 'azure:stowage:/demo/es',
    extraEnv: { HTTPS_PROXY: azurite.proxyUrl },
    // Without a tier restic sends an empty x-ms-access-tier header, which Azure ignores and
    // Azurite rejects (InvalidHeaderValue), retrying for 15 minutes.
    extraGlobalArgs: ['--option', 'azure.access-tier=Hot'],
    cleanup: () => azurite.stop(),
  };
});
