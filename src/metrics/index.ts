/** Stash-compatible Pushgateway metrics, and the process metrics of `serve` and the operator. */
export { backupSessionMetrics, hostBackupMetrics } from './backup-metrics.ts';
export { restoreSessionMetrics, hostRestoreMetrics } from './restore-metrics.ts';
export { repositoryMetrics } from './repository-metrics.ts';
export {
  appBindingTarget,
  backupConfigurationInvoker,
  metricsJobName,
  restoreSessionInvoker,
} from './labels.ts';
export type { InvokerInfo, TargetInfo } from './labels.ts';
export { pushMetrics } from './push.ts';
export { createProcessMetrics } from './process-metrics.ts';
