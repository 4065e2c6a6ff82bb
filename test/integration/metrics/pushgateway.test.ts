/**
 * Stash metrics against a real Prometheus Pushgateway: what a Prometheus scraping the gateway would
 * see after Stowage pushes session, host, restore and repository metrics.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupSession, Repository, RestoreSession } from '../../../src/api/index.ts';
import {
  backupSessionMetrics,
  hostBackupMetrics,
  hostRestoreMetrics,
  metricsJobName,
  pushMetrics,
  repositoryMetrics,
  restoreSessionInvoker,
  restoreSessionMetrics,
  type InvokerInfo,
} from '../../../src/metrics/index.ts';
import {
  parseExposition,
  startPushgateway,
  type Pushgateway,
  type Sample,
} from '../../harness/pushgateway.ts';

const MiB = 1024 ** 2;
const now = new Date('2024-05-01T10:01:00Z');

let gateway: Pushgateway;
beforeAll(async () => {
  gateway = await startPushgateway();
});
afterAll(async () => {
  await gateway?.stop();
});

/** The `stash_*` series the gateway holds for one job, as `name{sorted labels} value` lines. */
async function stashSeries(job: string): Promise<string[]> {
  const samples = parseExposition(await gateway.scrape());
  return samples
    .filter((s) => s.name.startsWith('stash_') && s.labels.job === job)
    .map(render)
    .sort();
}

function render(s: Sample): string {
  const labels = Object.entries(s.labels)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${s.name}{${labels}} ${s.value}`;
}

/** Both names of a gauge with the same labels and value. */
function both(name: string, legacy: string, labels: Record<string, string>, value: number): string[] {
  return [name, legacy].map((n) => render({ name: n, labels, value }));
}

const backupInvoker: InvokerInfo = {
  kind: 'BackupConfiguration',
  name: 'sample-es-backup',
  namespace: 'demo',
  repository: 's3-repo',
  extraLabels: { cluster: 'lab' },
};
const backupJob = 'backupconfiguration-demo-sample-es-backup';
const invokerLabels = {
  cluster: 'lab',
  invoker_kind: 'BackupConfiguration',
  invoker_name: 'sample-es-backup',
  namespace: 'demo',
  driver: 'Restic',
  repository: 's3-repo',
  job: backupJob,
};
const esRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'es-data', namespace: 'demo' };
const targetLabels = { ...invokerLabels, kind: 'StatefulSet', group: 'apps', name: 'es-data' };

const succeededSession: BackupSession = {
  apiVersion: 'stash.appscode.com/v1beta1',
  kind: 'BackupSession',
  metadata: {
    name: 'sample-es-backup-1714557600',
    namespace: 'demo',
    creationTimestamp: '2024-05-01T10:00:00Z',
  },
  spec: {
    invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: 'sample-es-backup' },
  },
  status: {
    phase: 'Running',
    sessionDuration: '54s',
    conditions: [{ type: 'BackendRepositoryInitialized', status: 'True', reason: 'BackendRepositoryFound' }],
    targets: [
      {
        ref: esRef,
        totalHosts: 2,
        phase: 'Succeeded',
        preBackupActions: ['InitializeBackendRepository'],
        postBackupActions: ['ApplyRetentionPolicy', 'VerifyRepositoryIntegrity', 'SendRepositoryMetrics'],
        stats: [
          {
            hostname: 'host-0',
            phase: 'Succeeded',
            duration: '1m4.5s',
            snapshots: [
              {
                name: '4fbc1a2e',
                path: '/stash-data/dump',
                totalSize: '10.000 MiB',
                uploaded: '3.408 MiB',
                processingTime: '0:40',
                fileStats: { totalFiles: 12, newFiles: 2, modifiedFiles: 3, unmodifiedFiles: 7 },
              },
              {
                name: '9a0b3c4d',
                path: '/stash-data/dashboard',
                totalSize: '512 B',
                uploaded: '512 B',
                processingTime: '0:02',
                fileStats: { totalFiles: 1, newFiles: 1, modifiedFiles: 0, unmodifiedFiles: 0 },
              },
            ],
          },
          {
            hostname: 'host-1',
            phase: 'Succeeded',
            duration: '48.25s',
            snapshots: [
              {
                name: '77aa01be',
                path: '/stash-data/dump',
                totalSize: '1.500 GiB',
                uploaded: '120.250 MiB',
                processingTime: '1:04',
                fileStats: { totalFiles: 40, newFiles: 0, modifiedFiles: 4, unmodifiedFiles: 36 },
              },
            ],
          },
        ],
      },
    ],
  },
};

describe('backup session metrics on a real Pushgateway', () => {
  it('holds the exact session, target and host series under both names, grouped by job only', async () => {
    const target = succeededSession.status!.targets![0]!;
    // update-status pushes the hosts of the target, then the operator pushes the session: "add"
    // semantics keep both sets in the one job group.
    await pushMetrics(hostBackupMetrics(target.stats!, backupInvoker, { ref: esRef }), {
      url: gateway.url,
      job: metricsJobName(backupInvoker),
    });
    await pushMetrics(backupSessionMetrics(succeededSession, backupInvoker, { now }), {
      url: gateway.url,
      job: metricsJobName(backupInvoker),
    });

    const bs = 'stash_appscode_com_backupsession_';
    const h0 = { ...targetLabels, hostname: 'host-0' };
    const h1 = { ...targetLabels, hostname: 'host-1' };
    expect(metricsJobName(backupInvoker)).toBe(backupJob);
    const expected = [
      ...both(`${bs}success`, 'stash_backup_session_success', invokerLabels, 1),
      ...both(`${bs}duration_seconds`, 'stash_backup_session_duration_seconds', invokerLabels, 54),
      ...both(`${bs}target_count_total`, 'stash_backup_target_count_total', invokerLabels, 1),
      ...both(
        `${bs}last_success_time_seconds`,
        'stash_backup_last_success_time_seconds',
        invokerLabels,
        now.getTime() / 1000,
      ),
      ...both(`${bs}target_success`, 'stash_backup_target_success', targetLabels, 1),
      ...both(`${bs}target_host_count_total`, 'stash_backup_target_host_count_total', targetLabels, 2),
      ...both(
        `${bs}target_last_success_time_seconds`,
        'stash_backup_target_last_success_time_seconds',
        targetLabels,
        now.getTime() / 1000,
      ),
      ...both(`${bs}host_backup_success`, 'stash_backup_host_backup_success', h0, 1),
      ...both(`${bs}host_backup_success`, 'stash_backup_host_backup_success', h1, 1),
      ...both(`${bs}host_backup_duration_seconds`, 'stash_backup_host_backup_duration_seconds', h0, 64.5),
      ...both(`${bs}host_backup_duration_seconds`, 'stash_backup_host_backup_duration_seconds', h1, 48.25),
      ...both(`${bs}host_data_size_bytes`, 'stash_backup_host_data_size_bytes', h0, 10 * MiB + 512),
      ...both(`${bs}host_data_size_bytes`, 'stash_backup_host_data_size_bytes', h1, 1.5 * 1024 * MiB),
      // "3.408 MiB" (3573547.008, whole bytes) + "512 B"
      ...both(`${bs}host_data_uploaded_bytes`, 'stash_backup_host_data_uploaded_bytes', h0, 3_573_547 + 512),
      ...both(`${bs}host_data_uploaded_bytes`, 'stash_backup_host_data_uploaded_bytes', h1, 120.25 * MiB),
      ...both(
        `${bs}host_data_processing_time_seconds`,
        'stash_backup_host_data_processing_time_seconds',
        h0,
        42,
      ),
      ...both(
        `${bs}host_data_processing_time_seconds`,
        'stash_backup_host_data_processing_time_seconds',
        h1,
        64,
      ),
      ...both(`${bs}host_files_total`, 'stash_backup_host_files_total', h0, 13),
      ...both(`${bs}host_files_total`, 'stash_backup_host_files_total', h1, 40),
      ...both(`${bs}host_files_new`, 'stash_backup_host_files_new', h0, 3),
      ...both(`${bs}host_files_new`, 'stash_backup_host_files_new', h1, 0),
      ...both(`${bs}host_files_modified`, 'stash_backup_host_files_modified', h0, 3),
      ...both(`${bs}host_files_modified`, 'stash_backup_host_files_modified', h1, 4),
      ...both(`${bs}host_files_unmodified`, 'stash_backup_host_files_unmodified', h0, 7),
      ...both(`${bs}host_files_unmodified`, 'stash_backup_host_files_unmodified', h1, 36),
    ].sort();
    expect(await stashSeries(backupJob)).toEqual(expected);

    // the gateway records the push for the group, keyed by job alone
    const pushTime = parseExposition(await gateway.scrape()).filter(
      (s) => s.name === 'push_time_seconds' && s.labels.job === backupJob,
    );
    expect(pushTime).toHaveLength(1);
    expect(Object.keys(pushTime[0]!.labels).sort()).toEqual(['instance', 'job']);
  });

  it('pushes only the success=0 gauges for a failed session', async () => {
    const invoker: InvokerInfo = {
      kind: 'BackupConfiguration',
      name: 'broken-es-backup',
      namespace: 'demo',
      repository: 's3-repo',
    };
    const failed: BackupSession = {
      ...succeededSession,
      metadata: { ...succeededSession.metadata, name: 'broken-es-backup-1714557600' },
      spec: {
        invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: 'broken-es-backup' },
      },
      status: {
        phase: 'Running',
        targets: [
          {
            ref: esRef,
            totalHosts: 1,
            phase: 'Failed',
            stats: [
              {
                hostname: 'host-0',
                phase: 'Failed',
                duration: '3s',
                error: 'multielasticdump exited with code 1',
              },
            ],
          },
        ],
      },
    };
    const job = metricsJobName(invoker);
    expect(job).toBe('backupconfiguration-demo-broken-es-backup');
    await pushMetrics(hostBackupMetrics(failed.status!.targets![0]!.stats!, invoker, { ref: esRef }), {
      url: gateway.url,
      job,
    });
    await pushMetrics(backupSessionMetrics(failed, invoker, { now }), { url: gateway.url, job });

    const labels = {
      invoker_kind: 'BackupConfiguration',
      invoker_name: 'broken-es-backup',
      namespace: 'demo',
      driver: 'Restic',
      repository: 's3-repo',
      job,
    };
    const target = { ...labels, kind: 'StatefulSet', group: 'apps', name: 'es-data' };
    expect(await stashSeries(job)).toEqual(
      [
        ...both('stash_appscode_com_backupsession_success', 'stash_backup_session_success', labels, 0),
        ...both('stash_appscode_com_backupsession_target_success', 'stash_backup_target_success', target, 0),
        ...both(
          'stash_appscode_com_backupsession_host_backup_success',
          'stash_backup_host_backup_success',
          { ...target, hostname: 'host-0' },
          0,
        ),
      ].sort(),
    );
  });
});

describe('restore metrics on a real Pushgateway', () => {
  it('holds session, target and host series for a restored Elasticsearch AppBinding', async () => {
    const session: RestoreSession = {
      apiVersion: 'stash.appscode.com/v1beta1',
      kind: 'RestoreSession',
      metadata: { name: 'sample-es-restore', namespace: 'demo', creationTimestamp: '2024-05-01T11:00:00Z' },
      spec: {
        driver: 'Restic',
        repository: { name: 's3-repo' },
        task: { name: 'elasticsearch-restore-7.3.2' },
        target: {
          ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'sample-es' },
        },
      },
      status: {
        phase: 'Running',
        totalHosts: 1,
        sessionDuration: '1m30s',
        stats: [{ hostname: 'host-0', phase: 'Succeeded', duration: '1m12.5s' }],
      },
    };
    const invoker = restoreSessionInvoker(session);
    const target = { ref: session.spec.target!.ref, appBindingType: 'kubedb.com/elasticsearch' };
    const job = metricsJobName(invoker);
    expect(job).toBe('restoresession-demo-sample-es-restore');
    await pushMetrics(hostRestoreMetrics(session.status!.stats!, invoker, target), { url: gateway.url, job });
    await pushMetrics(restoreSessionMetrics(session, invoker, { target, now }), { url: gateway.url, job });

    const labels = {
      invoker_kind: 'RestoreSession',
      invoker_name: 'sample-es-restore',
      namespace: 'demo',
      driver: 'Restic',
      repository: 's3-repo',
      job,
    };
    const t = { ...labels, kind: 'elasticsearch', group: 'kubedb.com', name: 'sample-es' };
    const rs = 'stash_appscode_com_restoresession_';
    expect(await stashSeries(job)).toEqual(
      [
        ...both(`${rs}success`, 'stash_restore_session_success', labels, 1),
        ...both(`${rs}duration_seconds`, 'stash_restore_session_duration_seconds', labels, 90),
        ...both(`${rs}target_count_total`, 'stash_restore_target_count_total', labels, 1),
        ...both(`${rs}target_success`, 'stash_restore_target_success', t, 1),
        ...both(`${rs}target_host_count_total`, 'stash_restore_target_host_count_total', t, 1),
        ...both(
          `${rs}host_restore_success`,
          'stash_restore_host_restore_success',
          { ...t, hostname: 'host-0' },
          1,
        ),
        ...both(
          `${rs}host_restore_duration_seconds`,
          'stash_restore_host_restore_duration_seconds',
          { ...t, hostname: 'host-0' },
          72.5,
        ),
      ].sort(),
    );
  });
});

describe('repository metrics on a real Pushgateway', () => {
  it('holds the four repository gauges with the repository labels and writes metric.prom', async () => {
    const repository: Repository = {
      apiVersion: 'stash.appscode.com/v1alpha1',
      kind: 'Repository',
      metadata: { name: 's3-repo', namespace: 'storage' },
      spec: {
        backend: {
          storageSecretName: 's3-secret',
          s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'stash', prefix: 'demo/es' },
        },
      },
      status: {
        integrity: true,
        totalSize: '1.623 GiB',
        snapshotCount: 7,
        snapshotsRemovedOnLastCleanup: 2,
        lastBackupTime: '2024-05-01T10:00:00Z',
      },
    };
    const invoker: InvokerInfo = {
      kind: 'BackupConfiguration',
      name: 'repo-metrics',
      namespace: 'demo',
      repository: 's3-repo',
    };
    const job = metricsJobName(invoker);
    const dir = await mkdtemp(join(tmpdir(), 'stowage-metrics-'));
    try {
      await pushMetrics(repositoryMetrics(repository, invoker, { removed: 3 }), {
        url: gateway.url,
        job,
        metricsDir: dir,
        timeoutMs: 5_000,
      });
      const labels = {
        invoker_kind: 'BackupConfiguration',
        invoker_name: 'repo-metrics',
        namespace: 'storage',
        driver: 'Restic',
        repository: 's3-repo',
        name: 's3-repo',
        backend: 's3',
        bucket: 'stash',
        prefix: 'demo/es',
        job,
      };
      const r = 'stash_appscode_com_repository_';
      expect(await stashSeries(job)).toEqual(
        [
          ...both(`${r}integrity`, 'stash_repository_integrity', labels, 1),
          ...both(`${r}size_bytes`, 'stash_repository_size_bytes', labels, Math.round(1.623 * 1024 * MiB)),
          ...both(`${r}snapshot_count`, 'stash_repository_snapshot_count', labels, 7),
          ...both(`${r}snapshot_cleaned`, 'stash_repository_snapshot_cleaned', labels, 3),
        ].sort(),
      );
      const file = await readFile(join(dir, 'metric.prom'), 'utf8');
      expect(file).toContain('stash_repository_snapshot_count{');
      expect(parseExposition(file).filter((s) => s.name.startsWith('stash_'))).toHaveLength(8);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('push failures', () => {
  it('a refused connection is METRICS_PUSH_FAILED and retryable', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    await expect(
      pushMetrics(new Registry(), { url: `http://127.0.0.1:${port}`, job: 'j' }),
    ).rejects.toMatchObject({
      code: 'METRICS_PUSH_FAILED',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED') as unknown,
    });
  });

  it('a gateway that does not answer times out as METRICS_PUSH_FAILED', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket); // accept and never answer
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      await expect(
        pushMetrics(new Registry(), { url: `http://127.0.0.1:${port}`, job: 'j', timeoutMs: 300 }),
      ).rejects.toMatchObject({
        code: 'METRICS_PUSH_FAILED',
        retryable: true,
        message: expect.stringContaining('timed out after 300 ms') as unknown,
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a push the gateway rejects (inconsistent metric type) is METRICS_PUSH_FAILED with the HTTP status', async () => {
    const registry = new Registry();
    new Counter({
      name: 'stash_backup_session_success',
      help: 'wrong type on purpose',
      registers: [registry],
    }).inc();
    await expect(pushMetrics(registry, { url: gateway.url, job: 'inconsistent' })).rejects.toMatchObject({
      code: 'METRICS_PUSH_FAILED',
      retryable: true,
      details: expect.objectContaining({ status: 400 }) as unknown,
    });
  });
});
