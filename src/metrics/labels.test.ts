import { describe, expect, it } from 'vitest';
import type { Repository } from '../api/index.ts';
import {
  backupConfigurationInvoker,
  invokerLabels,
  metricsJobName,
  repositoryLabels,
  restoreSessionInvoker,
  targetLabels,
} from './labels.ts';
import { backupInvoker } from './test-fixtures.ts';

const invoker = backupInvoker;

describe('invokerLabels', () => {
  it('has the five Stash invoker labels, driver defaulting to Restic', () => {
    expect(invokerLabels(invoker)).toEqual({
      invoker_kind: 'BackupConfiguration',
      invoker_name: 'sample-es-backup',
      namespace: 'demo',
      driver: 'Restic',
      repository: 'gcs-repo',
    });
  });
});

describe('targetLabels', () => {
  it.each([
    [
      'AppBinding with a type → app resource and group',
      {
        ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'sample-es' },
        appBindingType: 'kubedb.com/elasticsearch',
      },
      { kind: 'elasticsearch', group: 'kubedb.com', name: 'sample-es' },
    ],
    [
      'AppBinding without a type → appbindings',
      { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'pg' } },
      { kind: 'appbindings', group: 'appcatalog.appscode.com', name: 'pg' },
    ],
    [
      'AppBinding with an empty type → appbindings',
      { ref: { kind: 'AppBinding', name: 'pg' }, appBindingType: '' },
      { kind: 'appbindings', group: 'appcatalog.appscode.com', name: 'pg' },
    ],
    [
      'a workload → its kind and API group',
      { ref: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } },
      { kind: 'StatefulSet', group: 'apps', name: 'db' },
    ],
    [
      'a core kind → empty group',
      { ref: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'data' } },
      { kind: 'PersistentVolumeClaim', group: '', name: 'data' },
    ],
  ])('%s', (_title, target, expected) => {
    expect(targetLabels(target)).toEqual(expected);
  });

  it('VolumeSnapshotter targets are labelled as PersistentVolumeClaims of the core group', () => {
    expect(
      targetLabels({ ref: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } }, 'VolumeSnapshotter'),
    ).toEqual({
      kind: 'PersistentVolumeClaim',
      group: '',
      name: 'db',
    });
  });
});

function repo(backend: Repository['spec']['backend'], namespace = 'storage'): Repository {
  return {
    apiVersion: 'stash.appscode.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'gcs-repo', namespace },
    spec: { backend },
  };
}

describe('repositoryLabels', () => {
  it('uses the repository namespace, provider, bucket and prefix', () => {
    expect(
      repositoryLabels(
        repo({ s3: { endpoint: 'http://minio:9000', bucket: 'stash', prefix: 'demo/es' } }),
        invoker,
      ),
    ).toEqual({
      invoker_kind: 'BackupConfiguration',
      invoker_name: 'sample-es-backup',
      namespace: 'storage',
      driver: 'Restic',
      repository: 'gcs-repo',
      name: 'gcs-repo',
      backend: 's3',
      bucket: 'stash',
      prefix: 'demo/es',
    });
  });

  it('leaves out an empty prefix', () => {
    const labels = repositoryLabels(repo({ gcs: { bucket: 'b' } }), invoker);
    expect(labels).not.toHaveProperty('prefix');
    expect(labels).toMatchObject({ backend: 'gcs', bucket: 'b' });
  });

  it('uses the container for azure and swift, and the path for local', () => {
    expect(repositoryLabels(repo({ azure: { container: 'c', prefix: 'p' } }), invoker)).toMatchObject({
      backend: 'azure',
      bucket: 'c',
      prefix: 'p',
    });
    expect(
      repositoryLabels(repo({ local: { mountPath: '/backup/', subPath: '/demo' } }), invoker),
    ).toMatchObject({
      backend: 'local',
      bucket: '',
      prefix: '/backup/demo',
    });
    expect(repositoryLabels(repo({ rest: { url: 'http://127.0.0.1:8000/r' } }), invoker)).toMatchObject({
      backend: 'rest',
      bucket: '',
    });
  });
});

describe('metricsJobName', () => {
  it('is lower(kind)-namespace-name', () => {
    expect(metricsJobName(invoker)).toBe('backupconfiguration-demo-sample-es-backup');
    expect(metricsJobName({ kind: 'RestoreSession', namespace: 'demo', name: 'sample-es-restore' })).toBe(
      'restoresession-demo-sample-es-restore',
    );
  });
});

describe('invokers from objects', () => {
  it('reads kind, name, namespace, driver and repository', () => {
    expect(
      backupConfigurationInvoker({
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'BackupConfiguration',
        metadata: { name: 'b', namespace: 'demo' },
        spec: {
          driver: 'Restic',
          repository: { name: 'r' },
          retentionPolicy: { name: 'keep', prune: true },
          backupHistoryLimit: 1,
        },
      }),
    ).toEqual({
      kind: 'BackupConfiguration',
      name: 'b',
      namespace: 'demo',
      driver: 'Restic',
      repository: 'r',
    });
    expect(
      restoreSessionInvoker({
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'RestoreSession',
        metadata: { name: 'rs', namespace: 'demo' },
        spec: { driver: 'Restic', repository: { name: 'r' } },
      }),
    ).toEqual({ kind: 'RestoreSession', name: 'rs', namespace: 'demo', driver: 'Restic', repository: 'r' });
  });
});
