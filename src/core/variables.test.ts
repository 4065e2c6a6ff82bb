import { describe, expect, it } from 'vitest';
import type { BackupConfiguration, Repository, RestoreSession } from '../api/index.ts';
import {
  backupVariables,
  repositoryVariables,
  restoreVariables,
  type BackupVariablesInput,
  type OperatorSettings,
  type RestoreVariablesInput,
} from './variables.ts';

const operator: OperatorSettings = {
  image: { registry: 'ghcr.io/stashed', image: 'stash', tag: 'v0.40.0' },
  pushgatewayUrl: 'http://stash.kube-system.svc:56789',
};

/** Which of `names` the variables set. */
const present = (vars: Record<string, string>, ...names: string[]) => names.filter((n) => n in vars);

const repo = (backend: Repository['spec']['backend']): Repository => ({
  apiVersion: 'stash.appscode.com/v1alpha1',
  kind: 'Repository',
  metadata: { name: 'gcs-repo', namespace: 'demo' },
  spec: { backend },
});

function bc(spec: Partial<BackupConfiguration['spec']> = {}): BackupConfiguration {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name: 'es-backup', namespace: 'demo' },
    spec: {
      driver: 'Restic',
      backupHistoryLimit: 1,
      repository: { name: 'gcs-repo' },
      retentionPolicy: { name: 'keep-last-5', keepLast: 5, prune: true },
      target: {
        ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'es-demo' },
      },
      ...spec,
    },
  };
}

describe('repositoryVariables', () => {
  const cases: [string, Repository['spec']['backend'], Record<string, string>][] = [
    [
      'gcs',
      { storageSecretName: 'gcs-secret', gcs: { bucket: 'b', prefix: '/demo/es', maxConnections: 5 } },
      // every REPOSITORY_* of a gcs backend with a secret: backupVariables' exact set below
      {
        REPOSITORY_PROVIDER: 'gcs',
        REPOSITORY_BUCKET: 'b',
        REPOSITORY_PREFIX: '/demo/es',
        MAX_CONNECTIONS: '5',
      },
    ],
    [
      's3',
      {
        storageSecretName: 's',
        s3: {
          endpoint: 'https://minio:9000',
          bucket: 'bk',
          prefix: 'p',
          region: 'us-east-1',
          insecureTLS: true,
        },
      },
      {
        REPOSITORY_PROVIDER: 's3',
        REPOSITORY_BUCKET: 'bk',
        REPOSITORY_PREFIX: 'p',
        REPOSITORY_ENDPOINT: 'https://minio:9000',
        REPOSITORY_REGION: 'us-east-1',
        REPOSITORY_INSECURE_TLS: 'true',
        MAX_CONNECTIONS: '0',
      },
    ],
    [
      'local',
      { local: { mountPath: '/safe/data', hostPath: { path: '/x' } } },
      { REPOSITORY_PROVIDER: 'local', REPOSITORY_BUCKET: '/safe/data', REPOSITORY_PREFIX: '' },
    ],
    [
      'azure',
      { azure: { container: 'c', maxConnections: 2 } },
      { REPOSITORY_BUCKET: 'c', REPOSITORY_PREFIX: '', MAX_CONNECTIONS: '2' },
    ],
    [
      'swift',
      { swift: { container: 'sc', prefix: 'sp' } },
      { REPOSITORY_BUCKET: 'sc', REPOSITORY_PREFIX: 'sp', MAX_CONNECTIONS: '0' },
    ],
    ['b2', { b2: { bucket: 'b2b', prefix: 'bp' } }, { REPOSITORY_BUCKET: 'b2b', REPOSITORY_PREFIX: 'bp' }],
    [
      'rest with path',
      { rest: { url: 'http://rest:8000/repo/one' } },
      {
        REPOSITORY_BUCKET: 'rest:8000',
        REPOSITORY_PREFIX: '/repo/one',
        REPOSITORY_ENDPOINT: 'http://rest:8000/repo/one',
      },
    ],
    [
      'rest without path',
      { rest: { url: 'http://rest:8000' } },
      { REPOSITORY_BUCKET: 'rest:8000', REPOSITORY_PREFIX: '' },
    ],
  ];
  it.each(cases)(
    'Given a %s backend, When variables are built, Then bucket/prefix follow the provider',
    (_n, backend, want) => {
      expect(repositoryVariables(repo(backend), 'demo')).toMatchObject(want);
    },
  );

  it('Given no storage secret, When variables are built, Then REPOSITORY_SECRET_* are absent', () => {
    const vars = repositoryVariables(repo({ gcs: { bucket: 'b' } }), 'demo');
    expect(present(vars, 'REPOSITORY_SECRET_NAME', 'REPOSITORY_SECRET_NAMESPACE')).toEqual([]);
  });
});

describe('backupVariables', () => {
  const gcs = repo({ storageSecretName: 'gcs-secret', gcs: { bucket: 'b', prefix: '/demo/es' } });
  const backup = (spec: Partial<BackupConfiguration['spec']>, more: Partial<BackupVariablesInput> = {}) =>
    backupVariables({ repository: gcs, invoker: bc(spec), backupSessionName: 's', operator, ...more });

  it('Given an AppBinding target, When built, Then the full Stash variable set is exact', () => {
    expect(backup({}, { backupSessionName: 'es-backup-1700000000' })).toEqual({
      REPOSITORY_NAME: 'gcs-repo',
      REPOSITORY_NAMESPACE: 'demo',
      REPOSITORY_PROVIDER: 'gcs',
      REPOSITORY_BUCKET: 'b',
      REPOSITORY_PREFIX: '/demo/es',
      REPOSITORY_ENDPOINT: '',
      REPOSITORY_REGION: '',
      REPOSITORY_INSECURE_TLS: 'false',
      REPOSITORY_SECRET_NAME: 'gcs-secret',
      REPOSITORY_SECRET_NAMESPACE: 'demo',
      MAX_CONNECTIONS: '0',
      NAMESPACE: 'demo',
      INVOKER_KIND: 'BackupConfiguration',
      INVOKER_NAME: 'es-backup',
      STASH_DOCKER_REGISTRY: 'ghcr.io/stashed',
      STASH_DOCKER_IMAGE: 'stash',
      STASH_IMAGE_TAG: 'v0.40.0',
      LICENSE_APISERVICE: '',
      PROMETHEUS_PUSHGATEWAY_URL: 'http://stash.kube-system.svc:56789',
      PROMETHEUS_JOB_NAME: 'es-backup',
      TARGET_KIND: 'AppBinding',
      TARGET_NAME: 'es-demo',
      TARGET_NAMESPACE: 'demo',
      TARGET_PATHS: '/stash-data',
      TARGET_MOUNT_PATH: '/stash-data',
      EXCLUDE_PATTERNS: '',
      HOSTNAME: 'host-0',
      ENABLE_CACHE: 'true',
      INTERIM_DATA_DIR: '/stash-tmp/stash-interim-volume/data',
      BACKUP_SESSION: 'es-backup-1700000000',
      RETENTION_KEEP_LAST: '5',
      RETENTION_PRUNE: 'true',
    });
  });

  it('Given paths, mounts, args, excludes, alias, tempDir and an interim volume, When built, Then each maps to its variable', () => {
    const vars = backup({
      target: {
        alias: 'prod',
        ref: { kind: 'AppBinding', name: 'es', namespace: 'db' },
        paths: ['/a', '/b'],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        args: ['--x', '--y'],
        exclude: ['*.tmp', 'cache'],
      },
      tempDir: { disableCaching: true },
      interimVolumeTemplate: { metadata: { name: 'tmp' }, spec: {} },
      retentionPolicy: {
        name: 'r',
        keepLast: 0,
        keepDaily: 7,
        keepTags: ['a', 'b'],
        prune: false,
        dryRun: true,
      },
    });
    expect(vars).toMatchObject({
      TARGET_NAMESPACE: 'db',
      TARGET_PATHS: '/a,/b',
      TARGET_MOUNT_PATH: '/data',
      DRIVER_ARGS: '--x --y',
      EXCLUDE_PATTERNS: '*.tmp,cache',
      HOSTNAME: 'prod',
      ENABLE_CACHE: 'false',
      INTERIM_DATA_DIR: '/stash-interim-volume/data',
      RETENTION_KEEP_DAILY: '7',
      RETENTION_KEEP_TAGS: 'a,b',
      RETENTION_DRY_RUN: 'true',
    });
    expect(present(vars, 'RETENTION_KEEP_LAST', 'RETENTION_PRUNE')).toEqual([]);
  });

  it.each(['Last', 'Hourly', 'Daily', 'Weekly', 'Monthly', 'Yearly'])(
    'Given keep%s, When built, Then it has its RETENTION_KEEP_* variable',
    (rule) => {
      const vars = backup({ retentionPolicy: { name: 'r', [`keep${rule}`]: 3, prune: false } });
      expect(vars[`RETENTION_KEEP_${rule.toUpperCase()}`]).toBe('3');
    },
  );

  it('Given invoker task params, When built, Then they override operator variables', () => {
    const params = [
      { name: 'args', value: '--match=^(?![.]).+' },
      { name: 'HOSTNAME', value: 'forced' },
    ];
    expect(backup({ task: { params } })).toMatchObject({ args: '--match=^(?![.]).+', HOSTNAME: 'forced' });
  });

  it('Given explicit merged taskParams and interim=false, When built, Then those win over the spec', () => {
    const vars = backup(
      { task: { params: [{ name: 'p', value: 'spec' }] }, interimVolumeTemplate: { spec: {} } },
      { taskParams: [{ name: 'p', value: 'merged' }], interim: false },
    );
    expect(vars).toMatchObject({ p: 'merged', INTERIM_DATA_DIR: '/stash-tmp/stash-interim-volume/data' });
  });
});

describe('restoreVariables', () => {
  const restore = (spec: Partial<RestoreSession['spec']>, more: Partial<RestoreVariablesInput> = {}) =>
    restoreVariables({
      repository: repo({ gcs: { bucket: 'b' } }),
      operator,
      invoker: {
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'RestoreSession',
        metadata: { name: 'es-restore', namespace: 'demo' },
        spec: { driver: 'Restic', repository: { name: 'gcs-repo' }, ...spec },
      },
      ...more,
    });

  it('Given an AppBinding restore with a catch-all rule, When built, Then rule, host and session variables are set', () => {
    const vars = restore({
      target: {
        ref: { kind: 'AppBinding', name: 'es-demo' },
        rules: [{ snapshots: ['latest'], include: ['a'], exclude: ['b', 'c'] }],
      },
    });
    expect(vars).toMatchObject({
      INVOKER_KIND: 'RestoreSession',
      INVOKER_NAME: 'es-restore',
      RESTORE_SESSION: 'es-restore',
      TARGET_NAME: 'es-demo',
      TARGET_APP_REPLICAS: '1',
      RESTORE_SNAPSHOTS: 'latest',
      RESTORE_PATHS: '',
      INCLUDE_PATTERNS: 'a',
      EXCLUDE_PATTERNS: 'b,c',
      HOSTNAME: '',
      SOURCE_HOSTNAME: '',
      TARGET_MOUNT_PATH: '/stash-data',
    });
    expect(present(vars, 'BACKUP_SESSION', 'TARGET_PATHS', 'RETENTION_PRUNE')).toEqual([]);
  });

  it('Given an alias and a rule with sourceHost, When built, Then SOURCE_HOSTNAME is the rule source', () => {
    const rules = [
      { targetHosts: ['es-new'], sourceHost: 'es-old', paths: ['/x', '/y'] },
      { snapshots: ['abc'] },
    ];
    const target = { alias: 'es-new', ref: { kind: 'AppBinding', name: 'es' }, replicas: 3, rules };
    expect(restore({ target })).toMatchObject({
      HOSTNAME: 'es-new',
      SOURCE_HOSTNAME: 'es-old',
      RESTORE_PATHS: '/x,/y',
      RESTORE_SNAPSHOTS: '',
      TARGET_APP_REPLICAS: '3',
    });
  });

  it('Given volumeClaimTemplates without a ref name, When built, Then TARGET_NAME is the first template and POD_ORDINAL is set', () => {
    const target = {
      ref: { kind: 'StatefulSet' },
      volumeClaimTemplates: [{ metadata: { name: 'data-${POD_ORDINAL}' } }],
    };
    expect(restore({ target }, { podOrdinal: 2 })).toMatchObject({
      TARGET_NAME: 'data-${POD_ORDINAL}',
      POD_ORDINAL: '2',
    });
  });

  it('Given deprecated spec.rules only, When built, Then they are used', () => {
    const vars = restore({
      target: { ref: { kind: 'AppBinding', name: 'x' } },
      rules: [{ snapshots: ['s1', 's2'] }],
    });
    expect(vars['RESTORE_SNAPSHOTS']).toBe('s1,s2');
  });

  describe('the rule for the restoring host', () => {
    const rules = [{ targetHosts: ['a'], paths: ['/a'] }, { paths: ['/any'] }];
    const restoreAs = (hostname: string, r = rules) =>
      restore({ target: { ref: { kind: 'AppBinding', name: 'x' }, rules: r } }, { hostname });
    it.each([
      ['a listed host', 'a', '/a'],
      ['another host takes the catch-all', 'b', '/any'],
    ])('Given %s, When built, Then its rule sets RESTORE_PATHS', (_n, host, path) => {
      expect(restoreAs(host)['RESTORE_PATHS']).toBe(path);
    });
    it('Given no catch-all, When an unknown host restores, Then no rule applies', () => {
      expect(restoreAs('b', [{ targetHosts: ['a'], paths: ['/a'] }])['RESTORE_PATHS']).toBe('');
    });
  });
});
