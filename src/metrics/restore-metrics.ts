/**
 * RestoreSession metrics (stash-spec §5.3): session and target gauges, pushed once every target has
 * reported, and host gauges, pushed by update-status after a host's restore. A v1beta1
 * RestoreSession has one target (spec.target), so the target count is 0 or 1. On failure only the
 * `*_success` gauge (0) is written (GaugeSet.setOutcome).
 */
import type { Registry } from 'prom-client';
import type { HostRestoreStats, RestoreSession } from '../api/index.ts';
import { GaugeSet, type BuildOptions } from './gauge-set.ts';
import { hostGauges } from './host-gauges.ts';
import { invokerLabels, invokerTargetLabels, type InvokerInfo, type TargetInfo } from './labels.ts';
import { hostRestoreMetric, restoreSessionMetric, restoreTargetMetric } from './names.ts';
import { durationSeconds, sessionDurationSeconds } from './session-duration.ts';

export interface RestoreSessionMetricsOptions extends BuildOptions {
  /** The restore target with its AppBinding type; default spec.target.ref without a type. */
  target?: TargetInfo;
}

function hostRestoreSucceeded(stats: HostRestoreStats): boolean {
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
  const succeeded = restoreSessionSucceeded(session);
  const ref = options.target?.ref ?? session.spec.target?.ref;
  set.setOutcome(restoreSessionMetric.success, invokerLabels(invoker), succeeded, () => [
    [restoreSessionMetric.duration, sessionDurationSeconds(session, now)],
    [restoreSessionMetric.targetCount, ref ? 1 : 0],
  ]);
  if (ref) {
    const labels = invokerTargetLabels(invoker, options.target ?? { ref });
    set.setOutcome(restoreTargetMetric.success, labels, succeeded, () => [
      [restoreTargetMetric.hostCount, session.status?.totalHosts ?? 0],
    ]);
  }
  return set.registry;
}

/** Host gauges of the target's hosts (./host-gauges.ts). */
export const hostRestoreMetrics = hostGauges(
  hostRestoreMetric.success,
  hostRestoreSucceeded,
  (host: HostRestoreStats) => [[hostRestoreMetric.duration, durationSeconds(host.duration)]],
);
