/**
 * BackupSession metrics (stash-spec §5.3): session and target gauges, pushed by the operator when a
 * session completes, and host gauges, pushed by update-status after each target's backup. Every
 * builder fills a fresh Registry (one per push, as Stash does) unless it is handed one. On failure
 * only the `*_success` gauge (0) is written for that session, target or host (GaugeSet.setOutcome).
 */
import type { Registry } from 'prom-client';
import type { BackupSession, HostBackupStats, TargetRef } from '../api/index.ts';
import { parseBytes, parseProcessingTime } from '../core/format.ts';
import { targetRefEquals } from '../core/target-ref.ts';
import { GaugeSet, type BuildOptions } from './gauge-set.ts';
import { hostGauges } from './host-gauges.ts';
import { invokerLabels, invokerTargetLabels, type InvokerInfo, type TargetInfo } from './labels.ts';
import { backupSessionMetric, backupTargetMetric, hostBackupMetric } from './names.ts';
import { durationSeconds, sessionDurationSeconds } from './session-duration.ts';

export interface BackupSessionMetricsOptions extends BuildOptions {
  /** AppBinding types of the session's targets, matched by ref. */
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
function hostBackupSucceeded(stats: HostBackupStats): boolean {
  return !stats.error && stats.phase !== 'Failed';
}

export function hostBackupValues(stats: HostBackupStats): HostBackupValues {
  const values: HostBackupValues = {
    success: hostBackupSucceeded(stats),
    durationSeconds: durationSeconds(stats.duration),
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

/** The target info for a status target: the caller's (with its AppBinding type) or just the ref. */
function findTarget(ref: TargetRef, targets: readonly TargetInfo[] | undefined): TargetInfo {
  return targets?.find((t) => targetRefEquals(t.ref, ref)) ?? { ref };
}

/** Session gauges (success, duration, target count, last success) and per-target gauges. */
export function backupSessionMetrics(
  session: BackupSession,
  invoker: InvokerInfo,
  options: BackupSessionMetricsOptions = {},
): Registry {
  const now = options.now ?? new Date();
  const set = new GaugeSet(options.registry);
  const targets = session.status?.targets ?? [];
  set.setOutcome(backupSessionMetric.success, invokerLabels(invoker), backupSessionSucceeded(session), () => [
    [backupSessionMetric.duration, sessionDurationSeconds(session, now)],
    [backupSessionMetric.targetCount, targets.length],
    [backupSessionMetric.lastSuccess, unixSeconds(now)],
  ]);
  for (const target of targets) {
    const labels = invokerTargetLabels(invoker, findTarget(target.ref, options.targets));
    set.setOutcome(backupTargetMetric.success, labels, target.phase === 'Succeeded', () => [
      [backupTargetMetric.hostCount, target.totalHosts ?? target.stats?.length ?? 0],
      [backupTargetMetric.lastSuccess, unixSeconds(now)],
    ]);
  }
  return set.registry;
}

/** Host gauges of one target's hosts (./host-gauges.ts). */
export const hostBackupMetrics = hostGauges(
  hostBackupMetric.success,
  hostBackupSucceeded,
  (host: HostBackupStats) => {
    const v = hostBackupValues(host);
    return [
      [hostBackupMetric.duration, v.durationSeconds],
      [hostBackupMetric.dataSize, v.dataSizeBytes],
      [hostBackupMetric.uploaded, v.uploadedBytes],
      [hostBackupMetric.processingTime, v.processingTimeSeconds],
      [hostBackupMetric.filesTotal, v.filesTotal],
      [hostBackupMetric.filesNew, v.filesNew],
      [hostBackupMetric.filesModified, v.filesModified],
      [hostBackupMetric.filesUnmodified, v.filesUnmodified],
    ];
  },
);
