/** OpenStack Swift: every auth style's variables are exported when present (v1, v2, v3, app credentials, token). */
import { containerRepository } from '../paths.ts';
import type { BackendProvider } from '../types.ts';

const swiftSecretKeys = [
  'ST_AUTH',
  'ST_USER',
  'ST_KEY',
  'OS_AUTH_URL',
  'OS_REGION_NAME',
  'OS_USERNAME',
  'OS_PASSWORD',
  'OS_TENANT_ID',
  'OS_TENANT_NAME',
  'OS_USER_DOMAIN_NAME',
  'OS_PROJECT_NAME',
  'OS_PROJECT_DOMAIN_NAME',
  'OS_APPLICATION_CREDENTIAL_ID',
  'OS_APPLICATION_CREDENTIAL_SECRET',
  'OS_APPLICATION_CREDENTIAL_NAME',
  'OS_STORAGE_URL',
  'OS_AUTH_TOKEN',
] as const;

export const swiftBackend: BackendProvider<'swift'> = {
  provider: 'swift',
  plan: (spec, secret) => ({
    repository: containerRepository('swift', spec.container, spec.prefix),
    env: secret.pick(swiftSecretKeys),
  }),
};
