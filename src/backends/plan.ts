/** Pure: Repository backend + decoded Secret → ConnectionPlan, for every provider. */
import { backendProvider, type Backend, type Provider } from '../api/stash/v1alpha1/backend.ts';
import { azureBackend } from './azure/azure.ts';
import { b2Backend } from './b2/b2.ts';
import { gcsBackend } from './gcs/gcs.ts';
import { localBackend } from './local/local.ts';
import { restBackend } from './rest/rest.ts';
import { s3Backend } from './s3/s3.ts';
import { SecretValues } from './secret-values.ts';
import { swiftBackend } from './swift/swift.ts';
import type { BackendProvider, ConnectionPlan, ProviderPlan, SecretFile } from './types.ts';

const backends: { [P in Provider]: BackendProvider<P> } = {
  local: localBackend,
  s3: s3Backend,
  gcs: gcsBackend,
  azure: azureBackend,
  swift: swiftBackend,
  b2: b2Backend,
  rest: restBackend,
};

function providerPlan<P extends Provider>(provider: P, backend: Backend, secret: SecretValues): ProviderPlan {
  const spec = backend[provider];
  if (spec === undefined) throw new Error(`backend.${provider} is not set`);
  return backends[provider].plan(spec as NonNullable<Backend[P]>, secret);
}

/**
 * `secret` holds the decoded values of the Secret named by `backend.storageSecretName`.
 * Throws StowageError STORAGE_SECRET_KEY_MISSING naming the Secret and key when a required key is absent.
 */
export function planConnection(backend: Backend, secret: Readonly<Record<string, string>>): ConnectionPlan {
  const values = new SecretValues(secret, backend.storageSecretName);
  const provider = backendProvider(backend);
  const password = values.required('RESTIC_PASSWORD', 'the password that encrypts the restic repository');
  const p = providerPlan(provider, backend, values);

  const files: SecretFile[] = [...(p.files ?? [])];
  const ca = values.optional('CA_CERT_DATA');
  if (ca !== undefined) files.push({ name: 'ca.crt', content: ca, flag: '--cacert' });

  return {
    provider,
    repository: p.repository,
    env: { ...p.env, RESTIC_PASSWORD: password },
    globalArgs: p.globalArgs ?? [],
    files,
    ...(p.localDirectory === undefined ? {} : { localDirectory: p.localDirectory }),
  };
}
