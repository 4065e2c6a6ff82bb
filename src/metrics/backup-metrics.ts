/**
 * BackupSession metrics (stash-spec §5.3): session and target gauges, pushed by the operator when a
 * session completes, and host gauges, pushed by update-status after each target's backup. Every
 * builder fills a fresh Registry (one per push, as Stash does) unless it is handed one. On failure
 * only the `*_success` gauge (0) is written for that session, target or host.
 */
import type { Registry } from 'prom-client';
import type { BackupSession, BackupTargetStatus, HostBackupStats, TargetRef } from '../api/index.ts';
import { GaugeSet, type BuildOptions } from './gauge-set.ts';
import { invokerLabels, targetLabels, type InvokerInfo, type TargetInfo } from './labels.ts';
import { backupSessionMetric, backupTargetMetric, hostBackupMetric } from './names.ts';
import { SECOND, parseBytes, parseGoDuration, parseProcessingTime } from '../core/format.ts';
import { sessionDurationSeconds } from './session-duration.ts';

export interface BackupSessionMetricsOptions extends BuildOptions {
  /** AppBinding types of the session's targets, matched by ref kind, name and namespace. */
  targets?: readonly TargetInfo[];
}

/** The numbers behind one host's gauges, summed over its snapshots. */
export interface HostBackupValues {
  success: boolean;
  durationSeconds: number;
  dataSizeBytes: number;
  uploadedBytes: number;
  processingTimeSeconds: number;
  filesTotal: number;
  filesNew: number;
  filesModified: number;
  filesUnmodified: number;
}

const unixSeconds = (d: Date): number => d.getTime() / 1000;

/** A host succeeded when it reports no error (and is not marked Failed). */
export function hostBackupSucceeded(stats: HostBackupStats): boolean {
  return !stats.error && stats.phase !== 'Failed';
}

export function hostBackupValues(stats: HostBackupStats): HostBackupValues {
  const values: HostBackupValues = {
    success: hostBackupSucceeded(stats),
    durationSeconds: stats.duration ? parseGoDuration(stats.duration) / SECOND : 0,
    dataSizeBytes: 0,
    uploadedBytes: 0,
    processingTimeSeconds: 0,
    filesTotal: 0,
    filesNew: 0,
    filesModified: 0,
    filesUnmodified: 0,
  };
  for (const snap of stats.snapshots ?? []) {
    if (snap.totalSize) values.dataSizeBytes += parseBytes(snap.totalSize);
    if (snap.uploaded) values.uploadedBytes += parseBytes(snap.uploaded);
    if (snap.processingTime) values.processingTimeSeconds += parseProcessingTime(snap.processingTime);
    values.filesTotal += snap.fileStats?.totalFiles ?? 0;
    values.filesNew += snap.fileStats?.newFiles ?? 0;
    values.filesModified += snap.fileStats?.modifiedFiles ?? 0;
    values.filesUnmodified += snap.fileStats?.unmodifiedFiles ?? 0;
  }
  return values;
}

/** Session success = it has targets and every target Succeeded. */
export function backupSessionSucceeded(session: Pick<BackupSession, 'status'>): boolean {
  const targets = session.status?.targets ?? [];
  return targets.length > 0 && targets.every((t) => t.phase === 'Succeeded');
}

function sameRef(a: TargetRef, b: TargetRef): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    (a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace)
  );
}

/** The target info for a status target: the caller's (with its AppBinding type) or just the ref. */
export function findTarget(ref: TargetRef, targets: readonly TargetInfo[] | undefined): TargetInfo {
  return targets?.find((t) => sameRef(t.ref, ref)) ?? { ref };
}

function addTargetMetrics(
  set: GaugeSet,
  invoker: InvokerInfo,
  target: BackupTargetStatus,
  info: TargetInfo,
  now: Date,
): void {
  const labels = { ...invokerLabels(invoker), ...targetLabels(info, invoker.driver) };
  if (target.phase !== 'Succeeded') {
    set.set(backupTargetMetric.success, labels, 0);
    return;
  }
  set.set(backupTargetMetric.success, labels, 1);
  set.set(backupTargetMetric.hostCount, labels, target.totalHosts ?? target.stats?.length ?? 0);
  set.set(backupTargetMetric.lastSuccess, labels, unixSeconds(now));
}

/** Session gauges (success, duration, target count, last success) and per-target gauges. */
export function backupSessionMetrics(
  session: BackupSession,
  invoker: InvokerInfo,
  options: BackupSessionMetricsOptions = {},
): Registry {
  const now = options.now ?? new Date();
  const set = new GaugeSet(options.registry);
  const labels = invokerLabels(invoker);
  const targets = session.status?.targets ?? [];
  if (!backupSessionSucceeded(session)) {
    set.set(backupSessionMetric.success, labels, 0);
  } else {
    set.set(backupSessionMetric.success, labels, 1);
    set.set(backupSessionMetric.duration, labels, sessionDurationSeconds(session, now));
    set.set(backupSessionMetric.targetCount, labels, targets.length);
    set.set(backupSessionMetric.lastSuccess, labels, unixSeconds(now));
  }
  for (const target of targets)
    addTargetMetrics(set, invoker, target, findTarget(target.ref, options.targets), now);
  return set.registry;
}

/**
 * Host gauges for the hosts of one target (all in one registry: a later push under the same job
 * replaces same-named series, so one target's hosts must travel together).
 */
export function hostBackupMetrics(
  stats: readonly HostBackupStats[],
  invoker: InvokerInfo,
  target: TargetInfo,
  options: BuildOptions = {},
): Registry {
  const set = new GaugeSet(options.registry);
  const base = { ...invokerLabels(invoker), ...targetLabels(target, invoker.driver) };
  for (const host of stats) {
    const labels = { ...base, hostname: host.hostname ?? '' };
    if (!hostBackupSucceeded(host)) {
      set.set(hostBackupMetric.success, labels, 0);
      continue;
    }
    const v = hostBackupValues(host);
    set.set(hostBackupMetric.success, labels, 1);
    set.set(hostBackupMetric.duration, labels, v.durationSeconds);
    set.set(hostBackupMetric.dataSize, labels, v.dataSizeBytes);
    set.set(hostBackupMetric.uploaded, labels, v.uploadedBytes);
    set.set(hostBackupMetric.processingTime, labels, v.processingTimeSeconds);
    set.set(hostBackupMetric.filesTotal, labels, v.filesTotal);
    set.set(hostBackupMetric.filesNew, labels, v.filesNew);
    set.set(hostBackupMetric.filesModified, labels, v.filesModified);
    set.set(hostBackupMetric.filesUnmodified, labels, v.filesUnmodified);
  }
  return set.registry;
}
