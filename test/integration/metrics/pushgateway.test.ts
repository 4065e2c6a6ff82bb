/**
 * Stash metrics against a real Prometheus Pushgateway: what a Prometheus scraping the gateway would
 * see after Stowage pushes session, host, restore and repository metrics.
 */
import { createServer, type Server, type Socket } from 'node:net';
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

/** The gateway holds exactly these series (in any order) for the job. */
async function expectSeries(job: string, series: string[]): Promise<void> {
  expect(await stashSeries(job)).toEqual([...series].sort());
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
};
const backupJob = 'backupconfiguration-demo-sample-es-backup';
/** The labels of an invoker's series on the gateway; every invoker here runs Restic in demo on s3-repo. */
function invokerSeries(kind: string, name: string): Record<string, string> {
  return {
    invoker_kind: kind,
    invoker_name: name,
    namespace: 'demo',
    driver: 'Restic',
    repository: 's3-repo',
    job: `${kind.toLowerCase()}-demo-${name}`,
  };
}
const invokerLabels = invokerSeries('BackupConfiguration', 'sample-es-backup');
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
    /** Both names of a host gauge, for host-0 and host-1. */
    const hosts = (name: string, legacy: string, v0: number, v1: number): string[] => [
      ...both(name, legacy, h0, v0),
      ...both(name, legacy, h1, v1),
    ];
    expect(metricsJobName(backupInvoker)).toBe(backupJob);
    await expectSeries(backupJob, [
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
      ...hosts(`${bs}host_backup_success`, 'stash_backup_host_backup_success', 1, 1),
      ...hosts(`${bs}host_backup_duration_seconds`, 'stash_backup_host_backup_duration_seconds', 64.5, 48.25),
      ...hosts(
        `${bs}host_data_size_bytes`,
        'stash_backup_host_data_size_bytes',
        10 * MiB + 512,
        1.5 * 1024 * MiB,
      ),
      // "3.408 MiB" (3573547.008, whole bytes) + "512 B"
      ...hosts(
        `${bs}host_data_uploaded_bytes`,
        'stash_backup_host_data_uploaded_bytes',
        3_573_547 + 512,
        120.25 * MiB,
      ),
      ...hosts(
        `${bs}host_data_processing_time_seconds`,
        'stash_backup_host_data_processing_time_seconds',
        42,
        64,
      ),
      ...hosts(`${bs}host_files_total`, 'stash_backup_host_files_total', 13, 40),
      ...hosts(`${bs}host_files_new`, 'stash_backup_host_files_new', 3, 0),
      ...hosts(`${bs}host_files_modified`, 'stash_backup_host_files_modified', 3, 4),
      ...hosts(`${bs}host_files_unmodified`, 'stash_backup_host_files_unmodified', 7, 36),
    ]);

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

    const labels = invokerSeries('BackupConfiguration', 'broken-es-backup');
    const target = { ...labels, kind: 'StatefulSet', group: 'apps', name: 'es-data' };
    const h0 = { ...target, hostname: 'host-0' };
    const bs = 'stash_appscode_com_backupsession_';
    await expectSeries(job, [
      ...both(`${bs}success`, 'stash_backup_session_success', labels, 0),
      ...both(`${bs}target_success`, 'stash_backup_target_success', target, 0),
      ...both(`${bs}host_backup_success`, 'stash_backup_host_backup_success', h0, 0),
    ]);
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

    const labels = invokerSeries('RestoreSession', 'sample-es-restore');
    const t = { ...labels, kind: 'elasticsearch', group: 'kubedb.com', name: 'sample-es' };
    const h0 = { ...t, hostname: 'host-0' };
    const rs = 'stash_appscode_com_restoresession_';
    await expectSeries(job, [
      ...both(`${rs}success`, 'stash_restore_session_success', labels, 1),
      ...both(`${rs}duration_seconds`, 'stash_restore_session_duration_seconds', labels, 90),
      ...both(`${rs}target_count_total`, 'stash_restore_target_count_total', labels, 1),
      ...both(`${rs}target_success`, 'stash_restore_target_success', t, 1),
      ...both(`${rs}target_host_count_total`, 'stash_restore_target_host_count_total', t, 1),
      ...both(`${rs}host_restore_success`, 'stash_restore_host_restore_success', h0, 1),
      ...both(`${rs}host_restore_duration_seconds`, 'stash_restore_host_restore_duration_seconds', h0, 72.5),
    ]);
  });
});

describe('repository metrics on a real Pushgateway', () => {
  it('holds the four repository gauges with the repository labels', async () => {
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
    await pushMetrics(repositoryMetrics(repository, invoker, { removed: 3 }), {
      url: gateway.url,
      job,
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
    await expectSeries(job, [
      ...both(`${r}integrity`, 'stash_repository_integrity', labels, 1),
      ...both(`${r}size_bytes`, 'stash_repository_size_bytes', labels, Math.round(1.623 * 1024 * MiB)),
      ...both(`${r}snapshot_count`, 'stash_repository_snapshot_count', labels, 7),
      ...both(`${r}snapshot_cleaned`, 'stash_repository_snapshot_cleaned', labels, 3),
    ]);
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
