import { describe, expect, it } from 'vitest';
import type { Repository } from '../api/index.ts';
import { repositoryMetrics, repositoryValues } from './repository-metrics.ts';
import { backupInvoker, invokerLabelsOf, samples } from './test-fixtures.ts';

const invoker = backupInvoker;

const repository: Repository = {
  apiVersion: 'stash.appscode.com/v1alpha1',
  kind: 'Repository',
  metadata: { name: 'gcs-repo', namespace: 'demo' },
  spec: {
    backend: { gcs: { bucket: 'stash-testing', prefix: '/demo/es' }, storageSecretName: 'gcs-secret' },
  },
  status: { integrity: true, totalSize: '10.383 MiB', snapshotCount: 5, snapshotsRemovedOnLastCleanup: 2 },
};

describe('repositoryValues', () => {
  it('turns the status into numbers', () => {
    expect(repositoryValues(repository.status)).toEqual({
      integrity: 1,
      sizeBytes: Math.round(10.383 * 1024 ** 2),
      snapshotCount: 5,
      snapshotsCleaned: 2,
    });
    expect(repositoryValues({ integrity: false }, 3)).toEqual({ integrity: 0, snapshotsCleaned: 3 });
    expect(repositoryValues(undefined)).toEqual({});
  });
});

describe('repositoryMetrics', () => {
  it('writes the four repository gauges under both names with the repository labels', async () => {
    const got = await samples(repositoryMetrics(repository, invoker, { removed: 4 }));
    const labels = {
      ...invokerLabelsOf(invoker),
      name: 'gcs-repo',
      backend: 'gcs',
      bucket: 'stash-testing',
      prefix: '/demo/es',
    };
    expect(Object.fromEntries(got)).toEqual({
      stash_appscode_com_repository_integrity: [{ labels, value: 1 }],
      stash_repository_integrity: [{ labels, value: 1 }],
      stash_appscode_com_repository_size_bytes: [{ labels, value: Math.round(10.383 * 1024 ** 2) }],
      stash_repository_size_bytes: [{ labels, value: Math.round(10.383 * 1024 ** 2) }],
      stash_appscode_com_repository_snapshot_count: [{ labels, value: 5 }],
      stash_repository_snapshot_count: [{ labels, value: 5 }],
      stash_appscode_com_repository_snapshot_cleaned: [{ labels, value: 4 }],
      stash_repository_snapshot_cleaned: [{ labels, value: 4 }],
    });
  });
});
