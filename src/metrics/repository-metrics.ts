/**
 * Repository metrics (stash-spec §5.3), pushed by the SendRepositoryMetrics post-backup action
 * from the Repository status written after retention and integrity check. Gauges whose status field
 * is unknown are left out rather than pushed as 0.
 */
import type { Registry } from 'prom-client';
import type { Repository, RepositoryStatus } from '../api/index.ts';
import { GaugeSet, type BuildOptions } from './gauge-set.ts';
import { repositoryLabels, type InvokerInfo } from './labels.ts';
import { repositoryMetric } from './names.ts';
import { parseBytes } from '../core/format.ts';

export interface RepositoryMetricsOptions extends BuildOptions {
  /** Status to report; default repository.status. */
  status?: RepositoryStatus;
  /** Snapshots removed by the last retention run; default status.snapshotsRemovedOnLastCleanup. */
  removed?: number;
}

export interface RepositoryValues {
  integrity?: number;
  sizeBytes?: number;
  snapshotCount?: number;
  snapshotsCleaned?: number;
}

export function repositoryValues(status: RepositoryStatus | undefined, removed?: number): RepositoryValues {
  const values: RepositoryValues = {};
  if (status?.integrity !== undefined) values.integrity = status.integrity ? 1 : 0;
  if (status?.totalSize) values.sizeBytes = parseBytes(status.totalSize);
  if (status?.snapshotCount !== undefined) values.snapshotCount = status.snapshotCount;
  const cleaned = removed ?? status?.snapshotsRemovedOnLastCleanup;
  if (cleaned !== undefined) values.snapshotsCleaned = cleaned;
  return values;
}

export function repositoryMetrics(
  repository: Repository,
  invoker: InvokerInfo,
  options: RepositoryMetricsOptions = {},
): Registry {
  const set = new GaugeSet(options.registry);
  const labels = repositoryLabels(repository, invoker);
  const v = repositoryValues(options.status ?? repository.status, options.removed);
  if (v.integrity !== undefined) set.set(repositoryMetric.integrity, labels, v.integrity);
  if (v.sizeBytes !== undefined) set.set(repositoryMetric.size, labels, v.sizeBytes);
  if (v.snapshotCount !== undefined) set.set(repositoryMetric.snapshotCount, labels, v.snapshotCount);
  if (v.snapshotsCleaned !== undefined) set.set(repositoryMetric.snapshotCleaned, labels, v.snapshotsCleaned);
  return set.registry;
}
