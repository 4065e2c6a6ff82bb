/** Stash-compatible Pushgateway metrics, and the process metrics of `serve`. */
export {
  backupSessionMetrics,
  hostBackupMetrics,
  hostBackupValues,
  backupSessionSucceeded,
} from './backup-metrics.ts';
export type { BackupSessionMetricsOptions, HostBackupValues } from './backup-metrics.ts';
export { restoreSessionMetrics, hostRestoreMetrics, restoreSessionSucceeded } from './restore-metrics.ts';
export type { RestoreSessionMetricsOptions } from './restore-metrics.ts';
export { repositoryMetrics, repositoryValues } from './repository-metrics.ts';
export type { RepositoryMetricsOptions, RepositoryValues } from './repository-metrics.ts';
export type { BuildOptions } from './gauge-set.ts';
export {
  appBindingTarget,
  backupConfigurationInvoker,
  invokerLabels,
  metricsJobName,
  parseMetricsLabels,
  repositoryLabels,
  restoreSessionInvoker,
  targetLabels,
} from './labels.ts';
export type { Driver, InvokerInfo, Labels, TargetInfo } from './labels.ts';
export { pushMetrics, pushUrl, writeMetricsFile } from './push.ts';
export type { PushOptions } from './push.ts';
export { createProcessMetrics } from './process-metrics.ts';
export type { ProcessMetrics, ProcessMetricsOptions, SessionKind, SessionLabels } from './process-metrics.ts';
export * as stashMetricNames from './names.ts';
