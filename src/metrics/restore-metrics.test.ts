import { describe, expect, it } from 'vitest';
import type { RestoreSession } from '../api/index.ts';
import { hostRestoreMetrics, restoreSessionMetrics, restoreSessionSucceeded } from './restore-metrics.ts';
import { esTarget, esTargetLabels, invokerLabelsOf, restoreInvoker, samples } from './test-fixtures.ts';

const invoker = restoreInvoker;
const invokerLabels = invokerLabelsOf(invoker);
const target = esTarget;
const ref = esTarget.ref;
const targetLabels = esTargetLabels;

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
  const ok = { hostname: 'h', phase: 'Succeeded' } as const;
  it.each<[string, RestoreSession['status'], boolean]>([
    ['the one expected host succeeded', { totalHosts: 1, stats: [{ ...ok, duration: '5s' }] }, true],
    ['a host has not reported yet', { totalHosts: 2, stats: [ok] }, false],
    ['the host failed', { totalHosts: 1, stats: [{ hostname: 'h', phase: 'Failed', error: 'x' }] }, false],
    ['the host is Unknown', { totalHosts: 1, stats: [{ hostname: 'h', phase: 'Unknown' }] }, false],
    ['the session is marked Failed', { phase: 'Failed', totalHosts: 1, stats: [ok] }, false],
    ['no status yet', undefined, false],
  ])('%s → %s', (_title, status, expected) => {
    expect(restoreSessionSucceeded(restore(status))).toBe(expected);
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
