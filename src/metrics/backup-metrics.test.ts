import { describe, expect, it } from 'vitest';
import type { BackupSession, HostBackupStats } from '../api/index.ts';
import {
  backupSessionMetrics,
  backupSessionSucceeded,
  hostBackupMetrics,
  hostBackupValues,
} from './backup-metrics.ts';
import { backupInvoker, esTarget, esTargetLabels, invokerLabelsOf, samples } from './test-fixtures.ts';

const now = new Date('2024-05-01T10:01:00Z');
const invoker = backupInvoker;
const invokerLabels = invokerLabelsOf(invoker);
const targetLabels = esTargetLabels;
/** A thrown error with this code. */
const failsWith = (code: string): Error => expect.objectContaining({ code }) as Error;

function session(
  targets: NonNullable<BackupSession['status']>['targets'],
  sessionDuration?: string,
): BackupSession {
  return {
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
    status: { phase: 'Running', ...(sessionDuration ? { sessionDuration } : {}), targets },
  };
}

const host: HostBackupStats = {
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
      uploaded: '1.000 KiB',
      processingTime: '1:02',
      fileStats: { totalFiles: 1, newFiles: 1, modifiedFiles: 0, unmodifiedFiles: 0 },
    },
  ],
};

describe('hostBackupValues', () => {
  it('sums sizes, uploads, processing time and file counts over the snapshots', () => {
    expect(hostBackupValues(host)).toEqual({
      success: true,
      durationSeconds: 64.5,
      dataSizeBytes: 10 * 1024 ** 2 + 512,
      uploadedBytes: Math.round(3.408 * 1024 ** 2) + 1024,
      processingTimeSeconds: 102,
      filesTotal: 13,
      filesNew: 3,
      filesModified: 3,
      filesUnmodified: 7,
    });
  });

  it('counts a host with an error as failed', () => {
    expect(hostBackupValues({ hostname: 'h', error: 'dump failed' }).success).toBe(false);
    expect(hostBackupValues({ hostname: 'h', phase: 'Failed' }).success).toBe(false);
  });
});

describe('backupSessionSucceeded', () => {
  it('needs at least one target and every target Succeeded', () => {
    expect(backupSessionSucceeded(session([]))).toBe(false);
    expect(backupSessionSucceeded(session([{ ref: esTarget.ref, phase: 'Succeeded' }]))).toBe(true);
    expect(
      backupSessionSucceeded(
        session([
          { ref: esTarget.ref, phase: 'Succeeded' },
          { ref: { kind: 'AppBinding', name: 'b' }, phase: 'Failed' },
        ]),
      ),
    ).toBe(false);
    expect(backupSessionSucceeded(session([{ ref: esTarget.ref, phase: 'Running' }]))).toBe(false);
  });
});

describe('backupSessionMetrics', () => {
  it('writes session and target gauges under both names for a succeeded session', async () => {
    const registry = backupSessionMetrics(
      session([{ ref: esTarget.ref, phase: 'Succeeded', totalHosts: 1, stats: [host] }], '54s'),
      invoker,
      {
        targets: [esTarget],
        now,
      },
    );
    const got = await samples(registry);
    const t = { ...invokerLabels, ...targetLabels };
    const expected: [string, string, Record<string, string>, number][] = [
      ['stash_appscode_com_backupsession_success', 'stash_backup_session_success', invokerLabels, 1],
      [
        'stash_appscode_com_backupsession_duration_seconds',
        'stash_backup_session_duration_seconds',
        invokerLabels,
        54,
      ],
      [
        'stash_appscode_com_backupsession_target_count_total',
        'stash_backup_target_count_total',
        invokerLabels,
        1,
      ],
      [
        'stash_appscode_com_backupsession_last_success_time_seconds',
        'stash_backup_last_success_time_seconds',
        invokerLabels,
        now.getTime() / 1000,
      ],
      ['stash_appscode_com_backupsession_target_success', 'stash_backup_target_success', t, 1],
      [
        'stash_appscode_com_backupsession_target_host_count_total',
        'stash_backup_target_host_count_total',
        t,
        1,
      ],
      [
        'stash_appscode_com_backupsession_target_last_success_time_seconds',
        'stash_backup_target_last_success_time_seconds',
        t,
        now.getTime() / 1000,
      ],
    ];
    expect([...got.keys()].sort()).toEqual(expected.flatMap(([a, b]) => [a, b]).sort());
    for (const [name, legacy, labels, value] of expected) {
      expect(got.get(name)).toEqual([{ labels, value }]);
      expect(got.get(legacy)).toEqual([{ labels, value }]);
    }
  });

  it('falls back to now − creationTimestamp when sessionDuration is not written yet', async () => {
    const got = await samples(
      backupSessionMetrics(session([{ ref: esTarget.ref, phase: 'Succeeded', totalHosts: 1 }]), invoker, {
        now,
      }),
    );
    expect(got.get('stash_backup_session_duration_seconds')?.[0]?.value).toBe(60);
  });

  it('writes only the success gauges (0) for a failed session and target', async () => {
    const registry = backupSessionMetrics(
      session([
        {
          ref: esTarget.ref,
          phase: 'Failed',
          totalHosts: 1,
          stats: [{ hostname: 'host-0', phase: 'Failed', error: 'boom' }],
        },
        {
          ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          phase: 'Succeeded',
          totalHosts: 1,
        },
      ]),
      invoker,
      { targets: [esTarget], now },
    );
    const got = await samples(registry);
    expect(got.get('stash_backup_session_success')).toEqual([{ labels: invokerLabels, value: 0 }]);
    expect(got.has('stash_backup_session_duration_seconds')).toBe(false);
    expect(got.has('stash_appscode_com_backupsession_last_success_time_seconds')).toBe(false);
    expect(got.get('stash_appscode_com_backupsession_target_success')).toEqual([
      { labels: { ...invokerLabels, ...targetLabels }, value: 0 },
      { labels: { ...invokerLabels, kind: 'Deployment', group: 'apps', name: 'web' }, value: 1 },
    ]);
    // the succeeded target still reports its host count; the failed one does not
    expect(got.get('stash_backup_target_host_count_total')).toEqual([
      { labels: { ...invokerLabels, kind: 'Deployment', group: 'apps', name: 'web' }, value: 1 },
    ]);
  });
});

describe('hostBackupMetrics', () => {
  it('writes every host gauge for a succeeded host and only success=0 for a failed one', async () => {
    const registry = hostBackupMetrics(
      [host, { hostname: 'host-1', phase: 'Failed', error: 'dump failed' }],
      invoker,
      esTarget,
    );
    const got = await samples(registry);
    const h0 = { ...invokerLabels, ...targetLabels, hostname: 'host-0' };
    const h1 = { ...invokerLabels, ...targetLabels, hostname: 'host-1' };
    expect(got.get('stash_appscode_com_backupsession_host_backup_success')).toEqual([
      { labels: h0, value: 1 },
      { labels: h1, value: 0 },
    ]);
    expect(got.get('stash_backup_host_data_uploaded_bytes')).toEqual([
      { labels: h0, value: Math.round(3.408 * 1024 ** 2) + 1024 },
    ]);
    expect(got.get('stash_appscode_com_backupsession_host_data_size_bytes')).toEqual([
      { labels: h0, value: 10 * 1024 ** 2 + 512 },
    ]);
    expect(got.get('stash_backup_host_backup_duration_seconds')).toEqual([{ labels: h0, value: 64.5 }]);
    expect(got.get('stash_backup_host_data_processing_time_seconds')).toEqual([{ labels: h0, value: 102 }]);
    expect(got.get('stash_backup_host_files_total')).toEqual([{ labels: h0, value: 13 }]);
    expect(got.get('stash_appscode_com_backupsession_host_files_new')).toEqual([{ labels: h0, value: 3 }]);
    expect(got.get('stash_backup_host_files_modified')).toEqual([{ labels: h0, value: 3 }]);
    expect(got.get('stash_backup_host_files_unmodified')).toEqual([{ labels: h0, value: 7 }]);
    expect(got.size).toBe(18);
  });

  it('adds to a registry it is given, reusing gauges already there', async () => {
    const registry = hostBackupMetrics([host], invoker, esTarget);
    hostBackupMetrics(
      [{ ...host, hostname: 'other' }],
      invoker,
      { ref: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } },
      { registry },
    );
    const got = await samples(registry);
    expect(got.get('stash_backup_host_backup_success')?.map((s) => s.labels.hostname)).toEqual([
      'host-0',
      'other',
    ]);
  });

  it('refuses a malformed size rather than pushing a wrong number', () => {
    expect(() =>
      hostBackupMetrics([{ ...host, snapshots: [{ uploaded: '3 MB' }] }], invoker, esTarget),
    ).toThrow(failsWith('INVALID_SIZE'));
  });
});

describe('session duration', () => {
  it('cannot be computed without sessionDuration or creationTimestamp', () => {
    const s = session([{ ref: esTarget.ref, phase: 'Succeeded', totalHosts: 1 }]);
    s.metadata = { name: 'x', namespace: 'demo' };
    expect(() => backupSessionMetrics(s, invoker, { now })).toThrow(failsWith('INVALID_TIMESTAMP'));
  });
});
