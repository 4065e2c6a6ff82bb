import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RestoreSession } from '../api/index.ts';
import { hostRestoreMetrics, restoreSessionMetrics, restoreSessionSucceeded } from './restore-metrics.ts';

const invoker = {
  kind: 'RestoreSession',
  name: 'sample-es-restore',
  namespace: 'demo',
  repository: 'gcs-repo',
};
const invokerLabels = {
  invoker_kind: 'RestoreSession',
  invoker_name: 'sample-es-restore',
  namespace: 'demo',
  driver: 'Restic',
  repository: 'gcs-repo',
};
const ref = { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'sample-es' };
const target = { ref, appBindingType: 'kubedb.com/elasticsearch' };
const targetLabels = { kind: 'elasticsearch', group: 'kubedb.com', name: 'sample-es' };

async function samples(
  registry: Registry,
): Promise<Map<string, { labels: Record<string, unknown>; value: number }[]>> {
  const json = await registry.getMetricsAsJSON();
  return new Map(
    json.map((m) => [m.name, m.values.map((v) => ({ labels: { ...v.labels }, value: v.value }))]),
  );
}

function restore(status: RestoreSession['status']): RestoreSession {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'RestoreSession',
    metadata: { name: 'sample-es-restore', namespace: 'demo', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { driver: 'Restic', repository: { name: 'gcs-repo' }, target: { ref } },
    status,
  };
}

describe('restoreSessionSucceeded', () => {
  it('needs every expected host to have succeeded', () => {
    expect(
      restoreSessionSucceeded(
        restore({ totalHosts: 1, stats: [{ hostname: 'h', phase: 'Succeeded', duration: '5s' }] }),
      ),
    ).toBe(true);
    expect(
      restoreSessionSucceeded(restore({ totalHosts: 2, stats: [{ hostname: 'h', phase: 'Succeeded' }] })),
    ).toBe(false);
    expect(
      restoreSessionSucceeded(
        restore({ totalHosts: 1, stats: [{ hostname: 'h', phase: 'Failed', error: 'x' }] }),
      ),
    ).toBe(false);
    expect(
      restoreSessionSucceeded(restore({ totalHosts: 1, stats: [{ hostname: 'h', phase: 'Unknown' }] })),
    ).toBe(false);
    expect(
      restoreSessionSucceeded(
        restore({ phase: 'Failed', totalHosts: 1, stats: [{ hostname: 'h', phase: 'Succeeded' }] }),
      ),
    ).toBe(false);
    expect(restoreSessionSucceeded(restore(undefined))).toBe(false);
  });
});

describe('restoreSessionMetrics', () => {
  it('writes session and target gauges for a succeeded restore', async () => {
    const got = await samples(
      restoreSessionMetrics(
        restore({ totalHosts: 1, sessionDuration: '2m3s', stats: [{ hostname: 'h', phase: 'Succeeded' }] }),
        invoker,
        { target },
      ),
    );
    const t = { ...invokerLabels, ...targetLabels };
    expect(Object.fromEntries(got)).toEqual({
      stash_appscode_com_restoresession_success: [{ labels: invokerLabels, value: 1 }],
      stash_restore_session_success: [{ labels: invokerLabels, value: 1 }],
      stash_appscode_com_restoresession_duration_seconds: [{ labels: invokerLabels, value: 123 }],
      stash_restore_session_duration_seconds: [{ labels: invokerLabels, value: 123 }],
      stash_appscode_com_restoresession_target_count_total: [{ labels: invokerLabels, value: 1 }],
      stash_restore_target_count_total: [{ labels: invokerLabels, value: 1 }],
      stash_appscode_com_restoresession_target_success: [{ labels: t, value: 1 }],
      stash_restore_target_success: [{ labels: t, value: 1 }],
      stash_appscode_com_restoresession_target_host_count_total: [{ labels: t, value: 1 }],
      stash_restore_target_host_count_total: [{ labels: t, value: 1 }],
    });
  });

  it('writes only success=0 gauges for a failed restore', async () => {
    const got = await samples(
      restoreSessionMetrics(
        restore({ totalHosts: 1, stats: [{ hostname: 'h', phase: 'Failed', error: 'x' }] }),
        invoker,
      ),
    );
    expect([...got.keys()].sort()).toEqual([
      'stash_appscode_com_restoresession_success',
      'stash_appscode_com_restoresession_target_success',
      'stash_restore_session_success',
      'stash_restore_target_success',
    ]);
    // without the AppBinding type the target is labelled as a plain AppBinding
    expect(got.get('stash_restore_target_success')).toEqual([
      {
        labels: {
          ...invokerLabels,
          kind: 'appbindings',
          group: 'appcatalog.appscode.com',
          name: 'sample-es',
        },
        value: 0,
      },
    ]);
  });
});

describe('hostRestoreMetrics', () => {
  it('writes success and duration for a succeeded host, success=0 only for a failed one', async () => {
    const got = await samples(
      hostRestoreMetrics(
        [
          { hostname: 'host-0', phase: 'Succeeded', duration: '831.018039ms' },
          { hostname: 'host-1', phase: 'Failed', duration: '1s', error: 'restore failed' },
        ],
        invoker,
        target,
      ),
    );
    const h = (hostname: string) => ({ ...invokerLabels, ...targetLabels, hostname });
    expect(got.get('stash_restore_host_restore_success')).toEqual([
      { labels: h('host-0'), value: 1 },
      { labels: h('host-1'), value: 0 },
    ]);
    expect(got.get('stash_appscode_com_restoresession_host_restore_duration_seconds')).toEqual([
      { labels: h('host-0'), value: 0.831018039 },
    ]);
  });
});
