/**
 * Status conditions as Stash writes them (kmapi.Condition) and the exact type/reason strings of
 * stash-spec §1.4–1.6. Upsert follows kmodules `SetCondition`.
 */
import { errorMessage } from '../errors.ts';
import type { Condition } from '../api/index.ts';

/**
 * Upserts `cond` by type. When status, reason and message are unchanged the same list is returned
 * (no new lastTransitionTime, so a no-op write stays a no-op). A condition whose observedGeneration
 * is older than the stored one is ignored. Otherwise the entry is replaced in place or appended,
 * stamped with `now`.
 */
export function setCondition(
  list: readonly Condition[] | undefined,
  cond: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const current = list ?? [];
  const idx = current.findIndex((c) => c.type === cond.type);
  const stamped: Condition = { ...cond, lastTransitionTime: now.toISOString() };
  if (idx < 0) return [...current, stamped];
  const old = current[idx] as Condition;
  if (
    cond.observedGeneration !== undefined &&
    old.observedGeneration !== undefined &&
    cond.observedGeneration < old.observedGeneration
  ) {
    return current as Condition[];
  }
  if (
    old.status === cond.status &&
    (old.reason ?? '') === (cond.reason ?? '') &&
    (old.message ?? '') === (cond.message ?? '')
  ) {
    return current as Condition[];
  }
  return current.map((c, i) => (i === idx ? stamped : c));
}

/** A condition of `type` saying it holds (True) or not (False), with its reason and message. */
export function conditionOf(type: string, holds: boolean, reason: string, message: string): Condition {
  return { type, status: holds ? 'True' : 'False', reason, message };
}

/**
 * Runs `action` and reports it as a condition of `type`: True with the success reason and the
 * message the action returns, or False with the failure reason and the error (through `failed`).
 */
export async function attemptCondition(
  type: string,
  reasons: { succeeded: string; failed: string },
  action: () => Promise<string>,
  failed: (e: unknown) => string = errorMessage,
): Promise<Condition> {
  try {
    return conditionOf(type, true, reasons.succeeded, await action());
  } catch (e) {
    return conditionOf(type, false, reasons.failed, failed(e));
  }
}

export function getCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function isConditionTrue(list: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(list, type)?.status === 'True';
}

export function isConditionFalse(list: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(list, type)?.status === 'False';
}

export function isConditionUnknown(list: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(list, type)?.status === 'Unknown';
}

/** Condition types on BackupConfiguration (and, for the repository ones, RestoreSession). */
export const BackupInvokerCondition = {
  RepositoryFound: 'RepositoryFound',
  BackendSecretFound: 'BackendSecretFound',
  ValidationPassed: 'ValidationPassed',
  BackupTargetFound: 'BackupTargetFound',
  CronJobCreated: 'CronJobCreated',
  StashSidecarInjected: 'StashSidecarInjected',
} as const;

export const BackupInvokerReason = {
  RepositoryAvailable: 'RepositoryAvailable',
  RepositoryNotAvailable: 'RepositoryNotAvailable',
  UnableToCheckRepositoryAvailability: 'UnableToCheckRepositoryAvailability',
  BackendSecretAvailable: 'BackendSecretAvailable',
  BackendSecretNotAvailable: 'BackendSecretNotAvailable',
  UnableToCheckBackendSecretAvailability: 'UnableToCheckBackendSecretAvailability',
  ResourceValidationPassed: 'ResourceValidationPassed',
  ResourceValidationFailed: 'ResourceValidationFailed',
  TargetAvailable: 'TargetAvailable',
  TargetNotAvailable: 'TargetNotAvailable',
  UnableToCheckTargetAvailability: 'UnableToCheckTargetAvailability',
  CronJobCreationSucceeded: 'CronJobCreationSucceeded',
  CronJobCreationFailed: 'CronJobCreationFailed',
  SidecarInjectionSucceeded: 'SidecarInjectionSucceeded',
  SidecarInjectionFailed: 'SidecarInjectionFailed',
} as const;

/** Session-level condition types on BackupSession. */
export const BackupSessionCondition = {
  BackendRepositoryInitialized: 'BackendRepositoryInitialized',
  RetentionPolicyApplied: 'RetentionPolicyApplied',
  RepositoryIntegrityVerified: 'RepositoryIntegrityVerified',
  RepositoryMetricsPushed: 'RepositoryMetricsPushed',
  BackupSkipped: 'BackupSkipped',
  BackupHistoryCleaned: 'BackupHistoryCleaned',
  MetricsPushed: 'MetricsPushed',
  DeadlineExceeded: 'DeadlineExceeded',
  GlobalPreBackupHookSucceeded: 'GlobalPreBackupHookSucceeded',
  GlobalPostBackupHookSucceeded: 'GlobalPostBackupHookSucceeded',
} as const;

/** Per-target condition types inside BackupSession.status.targets[]. */
export const BackupTargetCondition = {
  BackupExecutorEnsured: 'BackupExecutorEnsured',
  PreBackupHookExecutionSucceeded: 'PreBackupHookExecutionSucceeded',
  PostBackupHookExecutionSucceeded: 'PostBackupHookExecutionSucceeded',
  BackupDisrupted: 'BackupDisrupted',
} as const;

export const BackupSessionReason = {
  BackendRepositoryFound: 'BackendRepositoryFound',
  FailedToInitializeBackendRepository: 'FailedToInitializeBackendRepository',
  SuccessfullyAppliedRetentionPolicy: 'SuccessfullyAppliedRetentionPolicy',
  FailedToApplyRetentionPolicy: 'FailedToApplyRetentionPolicy',
  SuccessfullyVerifiedRepositoryIntegrity: 'SuccessfullyVerifiedRepositoryIntegrity',
  FailedToVerifyRepositoryIntegrity: 'FailedToVerifyRepositoryIntegrity',
  SuccessfullyPushedRepositoryMetrics: 'SuccessfullyPushedRepositoryMetrics',
  FailedToPushRepositoryMetrics: 'FailedToPushRepositoryMetrics',
  SkippedTakingNewBackup: 'SkippedTakingNewBackup',
  SuccessfullyCleanedBackupHistory: 'SuccessfullyCleanedBackupHistory',
  FailedToCleanBackupHistory: 'FailedToCleanBackupHistory',
  SuccessfullyPushedMetrics: 'SuccessfullyPushedMetrics',
  FailedToPushMetrics: 'FailedToPushMetrics',
  FailedToCompleteWithinDeadline: 'FailedToCompleteWithinDeadline',
  // Not listed in stash-spec (BackupBatch, Enterprise); the strings follow AM's naming pattern.
  GlobalPreBackupHookExecutedSuccessfully: 'GlobalPreBackupHookExecutedSuccessfully',
  GlobalPreBackupHookExecutionFailed: 'GlobalPreBackupHookExecutionFailed',
  GlobalPostBackupHookExecutedSuccessfully: 'GlobalPostBackupHookExecutedSuccessfully',
  GlobalPostBackupHookExecutionFailed: 'GlobalPostBackupHookExecutionFailed',
} as const;

export const BackupTargetReason = {
  SuccessfullyEnsuredBackupExecutor: 'SuccessfullyEnsuredBackupExecutor',
  FailedToEnsureBackupExecutor: 'FailedToEnsureBackupExecutor',
  SuccessfullyExecutedPreBackupHook: 'SuccessfullyExecutedPreBackupHook',
  FailedToExecutePreBackupHook: 'FailedToExecutePreBackupHook',
  SuccessfullyExecutedPostBackupHook: 'SuccessfullyExecutedPostBackupHook',
  FailedToExecutePostBackupHook: 'FailedToExecutePostBackupHook',
  FailedToCompleteDueToDisruption: 'FailedToCompleteDueToDisruption',
} as const;

/** Condition types on RestoreSession. */
export const RestoreSessionCondition = {
  RepositoryFound: 'RepositoryFound',
  BackendSecretFound: 'BackendSecretFound',
  ValidationPassed: 'ValidationPassed',
  RestoreTargetFound: 'RestoreTargetFound',
  RestoreJobCreated: 'RestoreJobCreated',
  StashInitContainerInjected: 'StashInitContainerInjected',
  RestoreExecutorEnsured: 'RestoreExecutorEnsured',
  RestoreCompleted: 'RestoreCompleted',
  MetricsPushed: 'MetricsPushed',
  PreRestoreHookExecutionSucceeded: 'PreRestoreHookExecutionSucceeded',
  PostRestoreHookExecutionSucceeded: 'PostRestoreHookExecutionSucceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  GlobalPreRestoreHookSucceeded: 'GlobalPreRestoreHookSucceeded',
  GlobalPostRestoreHookSucceeded: 'GlobalPostRestoreHookSucceeded',
} as const;

export const RestoreSessionReason = {
  RepositoryAvailable: BackupInvokerReason.RepositoryAvailable,
  RepositoryNotAvailable: BackupInvokerReason.RepositoryNotAvailable,
  UnableToCheckRepositoryAvailability: BackupInvokerReason.UnableToCheckRepositoryAvailability,
  BackendSecretAvailable: BackupInvokerReason.BackendSecretAvailable,
  BackendSecretNotAvailable: BackupInvokerReason.BackendSecretNotAvailable,
  UnableToCheckBackendSecretAvailability: BackupInvokerReason.UnableToCheckBackendSecretAvailability,
  ResourceValidationPassed: BackupInvokerReason.ResourceValidationPassed,
  ResourceValidationFailed: BackupInvokerReason.ResourceValidationFailed,
  TargetAvailable: BackupInvokerReason.TargetAvailable,
  TargetNotAvailable: BackupInvokerReason.TargetNotAvailable,
  UnableToCheckTargetAvailability: BackupInvokerReason.UnableToCheckTargetAvailability,
  SuccessfullyEnsuredRestoreExecutor: 'SuccessfullyEnsuredRestoreExecutor',
  FailedToEnsureRestoreExecutor: 'FailedToEnsureRestoreExecutor',
  PostRestoreTasksExecuted: 'PostRestoreTasksExecuted',
  PostRestoreTasksNotExecuted: 'PostRestoreTasksNotExecuted',
  SuccessfullyPushedMetrics: BackupSessionReason.SuccessfullyPushedMetrics,
  FailedToPushMetrics: BackupSessionReason.FailedToPushMetrics,
  FailedToCompleteWithinDeadline: BackupSessionReason.FailedToCompleteWithinDeadline,
  SuccessfullyExecutedPreRestoreHook: 'SuccessfullyExecutedPreRestoreHook',
  FailedToExecutePreRestoreHook: 'FailedToExecutePreRestoreHook',
  SuccessfullyExecutedPostRestoreHook: 'SuccessfullyExecutedPostRestoreHook',
  FailedToExecutePostRestoreHook: 'FailedToExecutePostRestoreHook',
  // Not listed in stash-spec; named after the CronJob/sidecar reasons' pattern.
  RestoreJobCreationSucceeded: 'RestoreJobCreationSucceeded',
  RestoreJobCreationFailed: 'RestoreJobCreationFailed',
  InitContainerInjectionSucceeded: 'InitContainerInjectionSucceeded',
  InitContainerInjectionFailed: 'InitContainerInjectionFailed',
} as const;

/**
 * Stowage's own condition on BackupConfigurations and Repositories: False while a terminal error
 * (one that retrying cannot fix) stops their controller, with the error's reason and message;
 * removed by the next reconcile that succeeds. Stash has none: its phases ignore it.
 */
export const ReconcileCondition = { Reconciled: 'Reconciled' } as const;

/** preBackupActions / postBackupActions entries. */
export const BackupAction = {
  InitializeBackendRepository: 'InitializeBackendRepository',
  ApplyRetentionPolicy: 'ApplyRetentionPolicy',
  VerifyRepositoryIntegrity: 'VerifyRepositoryIntegrity',
  SendRepositoryMetrics: 'SendRepositoryMetrics',
} as const;
