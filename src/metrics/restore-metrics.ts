/**
 * RestoreSession metrics (stash-spec §5.3): session and target gauges, pushed once every target has
 * reported, and host gauges, pushed by update-status after a host's restore. A v1beta1
 * RestoreSession has one target (spec.target), so the target count is 0 or 1. On failure only the
 * `*_success` gauge (0) is written.
 */
import type { Registry } from 'prom-client';
import type { HostRestoreStats, RestoreSession } from '../api/index.ts';
import { GaugeSet, type BuildOptions } from './gauge-set.ts';
import { invokerLabels, targetLabels, type InvokerInfo, type TargetInfo } from './labels.ts';
import { hostRestoreMetric, restoreSessionMetric, restoreTargetMetric } from './names.ts';
import { SECOND, parseGoDuration } from '../core/format.ts';
import { sessionDurationSeconds } from './session-duration.ts';

export interface RestoreSessionMetricsOptions extends BuildOptions {
  /** The restore target with its AppBinding type; default spec.target.ref without a type. */
  target?: TargetInfo;
}

export function hostRestoreSucceeded(stats: HostRestoreStats): boolean {
  return !stats.error && stats.phase !== 'Failed' && stats.phase !== 'Unknown';
}

/**
 * Succeeded when the session is not marked Failed/Invalid and every expected host (totalHosts)
 * reported success.
 */
export function restoreSessionSucceeded(session: Pick<RestoreSession, 'status'>): boolean {
  const status = session.status;
  if (!status || status.phase === 'Failed' || status.phase === 'Invalid') return false;
  const stats = status.stats ?? [];
  const expected = status.totalHosts ?? 0;
  return expected > 0 && stats.length >= expected && stats.every(hostRestoreSucceeded);
}

export function restoreSessionMetrics(
  session: RestoreSession,
  invoker: InvokerInfo,
  options: RestoreSessionMetricsOptions = {},
): Registry {
  const now = options.now ?? new Date();
  const set = new GaugeSet(options.registry);
  const labels = invokerLabels(invoker);
  const succeeded = restoreSessionSucceeded(session);
  const ref = options.target?.ref ?? session.spec.target?.ref;
  if (!succeeded) {
    set.set(restoreSessionMetric.success, labels, 0);
  } else {
    set.set(restoreSessionMetric.success, labels, 1);
    set.set(restoreSessionMetric.duration, labels, sessionDurationSeconds(session, now));
    set.set(restoreSessionMetric.targetCount, labels, ref ? 1 : 0);
  }
  if (ref) {
    const info = options.target ?? { ref };
    const targetLabelSet = { ...labels, ...targetLabels(info, invoker.driver) };
    set.set(restoreTargetMetric.success, targetLabelSet, succeeded ? 1 : 0);
    if (succeeded) set.set(restoreTargetMetric.hostCount, targetLabelSet, session.status?.totalHosts ?? 0);
  }
  return set.registry;
}

export function hostRestoreMetrics(
  stats: readonly HostRestoreStats[],
  invoker: InvokerInfo,
  target: TargetInfo,
  options: BuildOptions = {},
): Registry {
  const set = new GaugeSet(options.registry);
  const base = { ...invokerLabels(invoker), ...targetLabels(target, invoker.driver) };
  for (const host of stats) {
    const labels = { ...base, hostname: host.hostname ?? '' };
    if (!hostRestoreSucceeded(host)) {
      set.set(hostRestoreMetric.success, labels, 0);
      continue;
    }
    set.set(hostRestoreMetric.success, labels, 1);
    set.set(hostRestoreMetric.duration, labels, host.duration ? parseGoDuration(host.duration) / SECOND : 0);
  }
  return set.registry;
}
