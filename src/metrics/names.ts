/**
 * The Stash metric names (stash-spec §5.3). Every gauge is exported twice — under the current
 * `stash_appscode_com_*` name and the legacy `stash_*` name — because dashboards and alerts in
 * the wild use both.
 */

export interface MetricName {
  name: string;
  legacy: string;
  help: string;
}

const m = (name: string, legacy: string, help: string): MetricName => ({ name, legacy, help });
const bs = 'stash_appscode_com_backupsession_';
const rs = 'stash_appscode_com_restoresession_';
const repo = 'stash_appscode_com_repository_';

export const backupSessionMetric = {
  success: m(
    `${bs}success`,
    'stash_backup_session_success',
    'Whether the backup session succeeded (1) or failed (0)',
  ),
  duration: m(
    `${bs}duration_seconds`,
    'stash_backup_session_duration_seconds',
    'Time the backup session took to complete, in seconds',
  ),
  targetCount: m(
    `${bs}target_count_total`,
    'stash_backup_target_count_total',
    'Number of targets backed up in the backup session',
  ),
  lastSuccess: m(
    `${bs}last_success_time_seconds`,
    'stash_backup_last_success_time_seconds',
    'Unix time of the last successful backup session of this invoker',
  ),
} as const;

export const backupTargetMetric = {
  success: m(
    `${bs}target_success`,
    'stash_backup_target_success',
    'Whether the backup of the target succeeded (1) or failed (0)',
  ),
  hostCount: m(
    `${bs}target_host_count_total`,
    'stash_backup_target_host_count_total',
    'Number of hosts backed up for the target',
  ),
  lastSuccess: m(
    `${bs}target_last_success_time_seconds`,
    'stash_backup_target_last_success_time_seconds',
    'Unix time of the last successful backup of the target',
  ),
} as const;

export const hostBackupMetric = {
  success: m(
    `${bs}host_backup_success`,
    'stash_backup_host_backup_success',
    'Whether the backup of the host succeeded (1) or failed (0)',
  ),
  duration: m(
    `${bs}host_backup_duration_seconds`,
    'stash_backup_host_backup_duration_seconds',
    'Time the host backup took, in seconds',
  ),
  dataSize: m(
    `${bs}host_data_size_bytes`,
    'stash_backup_host_data_size_bytes',
    'Total size of the data backed up from the host, in bytes',
  ),
  uploaded: m(
    `${bs}host_data_uploaded_bytes`,
    'stash_backup_host_data_uploaded_bytes',
    'Data uploaded to the repository for the host, in bytes',
  ),
  processingTime: m(
    `${bs}host_data_processing_time_seconds`,
    'stash_backup_host_data_processing_time_seconds',
    'Time restic spent processing the host data, in seconds',
  ),
  filesTotal: m(
    `${bs}host_files_total`,
    'stash_backup_host_files_total',
    'Number of files in the host backup',
  ),
  filesNew: m(`${bs}host_files_new`, 'stash_backup_host_files_new', 'Number of new files in the host backup'),
  filesModified: m(
    `${bs}host_files_modified`,
    'stash_backup_host_files_modified',
    'Number of modified files in the host backup',
  ),
  filesUnmodified: m(
    `${bs}host_files_unmodified`,
    'stash_backup_host_files_unmodified',
    'Number of unmodified files in the host backup',
  ),
} as const;

export const repositoryMetric = {
  integrity: m(
    `${repo}integrity`,
    'stash_repository_integrity',
    'Whether the repository passed the integrity check (1) or not (0)',
  ),
  size: m(`${repo}size_bytes`, 'stash_repository_size_bytes', 'Size of the repository, in bytes'),
  snapshotCount: m(
    `${repo}snapshot_count`,
    'stash_repository_snapshot_count',
    'Number of snapshots in the repository',
  ),
  snapshotCleaned: m(
    `${repo}snapshot_cleaned`,
    'stash_repository_snapshot_cleaned',
    'Number of snapshots removed by the last retention policy run',
  ),
} as const;

export const restoreSessionMetric = {
  success: m(
    `${rs}success`,
    'stash_restore_session_success',
    'Whether the restore session succeeded (1) or failed (0)',
  ),
  duration: m(
    `${rs}duration_seconds`,
    'stash_restore_session_duration_seconds',
    'Time the restore session took to complete, in seconds',
  ),
  targetCount: m(
    `${rs}target_count_total`,
    'stash_restore_target_count_total',
    'Number of targets restored in the restore session',
  ),
} as const;

export const restoreTargetMetric = {
  success: m(
    `${rs}target_success`,
    'stash_restore_target_success',
    'Whether the restore of the target succeeded (1) or failed (0)',
  ),
  hostCount: m(
    `${rs}target_host_count_total`,
    'stash_restore_target_host_count_total',
    'Number of hosts restored for the target',
  ),
} as const;

export const hostRestoreMetric = {
  success: m(
    `${rs}host_restore_success`,
    'stash_restore_host_restore_success',
    'Whether the restore of the host succeeded (1) or failed (0)',
  ),
  duration: m(
    `${rs}host_restore_duration_seconds`,
    'stash_restore_host_restore_duration_seconds',
    'Time the host restore took, in seconds',
  ),
} as const;
