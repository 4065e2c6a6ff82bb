import { describe, expect, it } from 'vitest';
import type { Backend } from '../api/stash/v1alpha1/backend.ts';
import { StowageError } from '../errors.ts';
import { planConnection } from './plan.ts';

const pw = { RESTIC_PASSWORD: 'pw' };

interface Case {
  name: string;
  backend: Backend;
  secret: Record<string, string>;
  repository: string;
  env: Record<string, string>;
  globalArgs?: string[];
  files?: { name: string; env?: string; flag?: string }[];
}

const cases: Case[] = [
  {
    name: 'local: the mountPath',
    backend: { storageSecretName: 's', local: { mountPath: '/safe/data', subPath: 'x' } },
    secret: pw,
    repository: '/safe/data',
    env: pw,
  },
  {
    name: 's3 with prefix, region and keys',
    backend: {
      storageSecretName: 's',
      s3: { endpoint: 's3.amazonaws.com', bucket: 'stash-demo', prefix: '/demo/es', region: 'us-west-1' },
    },
    secret: { ...pw, AWS_ACCESS_KEY_ID: 'ak', AWS_SECRET_ACCESS_KEY: 'sk', UNRELATED: 'x' },
    repository: 's3:s3.amazonaws.com/stash-demo/demo/es',
    env: { ...pw, AWS_ACCESS_KEY_ID: 'ak', AWS_SECRET_ACCESS_KEY: 'sk', AWS_DEFAULT_REGION: 'us-west-1' },
  },
  {
    name: 's3 endpoint verbatim with scheme, path.Join cleans the prefix, insecureTLS',
    backend: {
      s3: { endpoint: 'https://minio.local:9000', bucket: 'b', prefix: 'a//b/../c/', insecureTLS: true },
    },
    secret: pw,
    repository: 's3:https://minio.local:9000/b/a/c',
    env: pw,
    globalArgs: ['--insecure-tls'],
  },
  {
    name: 's3 without prefix',
    backend: { s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'bkt' } },
    secret: pw,
    repository: 's3:http://127.0.0.1:9000/bkt',
    env: pw,
  },
  {
    name: 'gcs: prefix verbatim, key file, connections',
    backend: { gcs: { bucket: 'bucket', prefix: '/demo/sample-es', maxConnections: 4 } },
    secret: {
      ...pw,
      GOOGLE_PROJECT_ID: 'proj',
      GOOGLE_SERVICE_ACCOUNT_JSON_KEY: '{"type":"service_account"}',
    },
    repository: 'gs:bucket://demo/sample-es',
    env: { ...pw, GOOGLE_PROJECT_ID: 'proj' },
    globalArgs: ['--option', 'gs.connections=4'],
    files: [{ name: 'GOOGLE_SERVICE_ACCOUNT_JSON_KEY', env: 'GOOGLE_APPLICATION_CREDENTIALS' }],
  },
  {
    name: 'gcs without prefix or key (ambient credentials), maxConnections 0 omitted',
    backend: { gcs: { bucket: 'bucket', maxConnections: 0 } },
    secret: pw,
    repository: 'gs:bucket:/',
    env: pw,
  },
  {
    name: 'azure',
    backend: { azure: { container: 'c', prefix: 'p/q', maxConnections: 2 } },
    secret: {
      ...pw,
      AZURE_ACCOUNT_NAME: 'acct',
      AZURE_ACCOUNT_KEY: 'key',
      AZURE_ENDPOINT_SUFFIX: 'localhost:10000',
    },
    repository: 'azure:c:/p/q',
    env: {
      ...pw,
      AZURE_ACCOUNT_NAME: 'acct',
      AZURE_ACCOUNT_KEY: 'key',
      AZURE_ENDPOINT_SUFFIX: 'localhost:10000',
    },
    globalArgs: ['--option', 'azure.connections=2'],
  },
  {
    name: 'swift exports the auth variables that are present',
    backend: { swift: { container: 'c', prefix: 'p' } },
    secret: {
      ...pw,
      OS_AUTH_URL: 'https://keystone/v3',
      OS_USERNAME: 'u',
      OS_PASSWORD: 'p',
      OS_PROJECT_NAME: 'proj',
      ST_KEY: '',
    },
    repository: 'swift:c:/p',
    env: {
      ...pw,
      OS_AUTH_URL: 'https://keystone/v3',
      OS_USERNAME: 'u',
      OS_PASSWORD: 'p',
      OS_PROJECT_NAME: 'proj',
    },
  },
  {
    name: 'b2',
    backend: { b2: { bucket: 'b', prefix: 'x', maxConnections: 8 } },
    secret: { ...pw, B2_ACCOUNT_ID: 'id', B2_ACCOUNT_KEY: 'key' },
    repository: 'b2:b:/x',
    env: { ...pw, B2_ACCOUNT_ID: 'id', B2_ACCOUNT_KEY: 'key' },
    globalArgs: ['--option', 'b2.connections=8'],
  },
  {
    name: 'rest with user and password in the URL',
    backend: { rest: { url: 'http://rest.example:8000/stash/repo' } },
    secret: { ...pw, REST_SERVER_USERNAME: 'alice', REST_SERVER_PASSWORD: 'p@ss:w/rd' },
    repository: 'rest:http://alice:p%40ss%3Aw%2Frd@rest.example:8000/stash/repo',
    env: pw,
  },
  {
    name: 'rest with user only; an existing userinfo is replaced',
    backend: { rest: { url: 'https://old@rest.example/' } },
    secret: { ...pw, REST_SERVER_USERNAME: 'bob' },
    repository: 'rest:https://bob@rest.example/',
    env: pw,
  },
  {
    name: 'rest without credentials: URL verbatim',
    backend: { rest: { url: 'http://127.0.0.1:8000/' } },
    secret: pw,
    repository: 'rest:http://127.0.0.1:8000/',
    env: pw,
  },
  {
    name: 'CA_CERT_DATA becomes a --cacert file for any provider',
    backend: { s3: { endpoint: 'https://minio:9000', bucket: 'b' } },
    secret: { ...pw, CA_CERT_DATA: '-----BEGIN CERTIFICATE-----' },
    repository: 's3:https://minio:9000/b',
    env: pw,
    files: [{ name: 'ca.crt', flag: '--cacert' }],
  },
];

describe('planConnection', () => {
  it.each(cases)('$name', (c) => {
    const plan = planConnection(c.backend, c.secret);
    expect(plan.repository).toBe(c.repository);
    expect(plan.env).toEqual(c.env);
    expect(plan.globalArgs).toEqual(c.globalArgs ?? []);
    expect(plan.files.map(({ content: _c, ...rest }) => rest)).toEqual(c.files ?? []);
  });

  it('file contents are the secret values', () => {
    const plan = planConnection(
      { gcs: { bucket: 'b' } },
      { ...pw, GOOGLE_SERVICE_ACCOUNT_JSON_KEY: '{"k":1}', CA_CERT_DATA: 'CERT' },
    );
    expect(plan.files.map((f) => f.content)).toEqual(['{"k":1}', 'CERT']);
  });

  it('local plans the directory to create', () => {
    expect(planConnection({ local: { mountPath: '/var/backups/x' } }, pw).localDirectory).toBe(
      '/var/backups/x',
    );
  });

  it.each([
    [
      { storageSecretName: 'my-secret', s3: { endpoint: 'e', bucket: 'b' } },
      {},
      'RESTIC_PASSWORD',
      'my-secret',
    ],
    [
      { storageSecretName: 'my-secret', local: { mountPath: '/x' } },
      { RESTIC_PASSWORD: '' },
      'RESTIC_PASSWORD',
      'my-secret',
    ],
    [
      { storageSecretName: 'b2-secret', b2: { bucket: 'b' } },
      { ...pw, B2_ACCOUNT_KEY: 'k' },
      'B2_ACCOUNT_ID',
      'b2-secret',
    ],
    [
      { storageSecretName: 'b2-secret', b2: { bucket: 'b' } },
      { ...pw, B2_ACCOUNT_ID: 'i' },
      'B2_ACCOUNT_KEY',
      'b2-secret',
    ],
  ] as [Backend, Record<string, string>, string, string][])(
    'missing required key %#',
    (backend, secret, key, secretName) => {
      let error: unknown;
      try {
        planConnection(backend, secret);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StowageError);
      expect((error as StowageError).code).toBe('STORAGE_SECRET_KEY_MISSING');
      expect((error as StowageError).message).toContain(key);
      expect((error as StowageError).message).toContain(`"${secretName}"`);
    },
  );
});
