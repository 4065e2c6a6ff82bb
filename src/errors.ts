/**
 * The one error model of the project (docs/errors.md). Every failure that crosses a layer is a
 * StowageError with a `code` from the closed table below (branch on it, never on messages) and the
 * original `cause`. The code decides everything a process does with the error, in one place each:
 * the CLI's exit code, the reason a status condition carries, and whether the work queue and the
 * in-job steps try again. Messages say what went wrong and what to do next.
 */

/** Exit codes of the `stowage` command (docs/cli.md). */
export const ExitCode = { Ok: 0, Failed: 1, InvalidInput: 2, NotFound: 3, Busy: 4, Internal: 5 } as const;
export type ExitCodeNumber = (typeof ExitCode)[keyof typeof ExitCode];

interface CodeInfo {
  /** What `stowage` exits with when this error ends the command. */
  exit: ExitCodeNumber;
  /** Whether trying again later can succeed without anyone changing anything. */
  retryable: boolean;
  /** The reason of the condition that reports it in a status (CamelCase, Kubernetes style). */
  reason: string;
}

const invalid = (reason: string): CodeInfo => ({ exit: ExitCode.InvalidInput, retryable: false, reason });
const failed = (reason: string, retryable = false): CodeInfo => ({
  exit: ExitCode.Failed,
  retryable,
  reason,
});
const notFound = (reason: string): CodeInfo => ({ exit: ExitCode.NotFound, retryable: false, reason });
const busy = (reason: string): CodeInfo => ({ exit: ExitCode.Busy, retryable: true, reason });

export const ERROR_CODES = {
  // Input: a manifest, a flag, a Task. Nothing changes until the user fixes it.
  INVALID_INPUT: invalid('InvalidInput'),
  USAGE: invalid('InvalidUsage'),
  INVALID_SCHEDULE: invalid('InvalidSchedule'),
  INVALID_DURATION: invalid('InvalidDuration'),
  INVALID_SIZE: invalid('InvalidSize'),
  INVALID_TIMESTAMP: invalid('InvalidTimestamp'),
  TASK_INVALID: invalid('TaskInvalid'),
  TEMPLATE_VARIABLE_UNSET: invalid('TemplateVariableUnset'),
  TEMPLATE_BAD_SUBSTITUTION: invalid('TemplateBadSubstitution'),
  TEMPLATE_INVALID_JSON: invalid('TemplateInvalidJson'),
  STORAGE_SECRET_KEY_MISSING: invalid('StorageSecretKeyMissing'),
  // Objects.
  NOT_FOUND: notFound('NotFound'),
  TASK_NOT_FOUND: notFound('TaskNotFound'),
  FUNCTION_NOT_FOUND: notFound('FunctionNotFound'),
  ALREADY_EXISTS: failed('AlreadyExists'),
  CONFLICT: busy('Conflict'),
  // The API server (Kubernetes runtime).
  UNAUTHORIZED: failed('Unauthorized'),
  FORBIDDEN: failed('Forbidden'),
  KUBE_API_UNAVAILABLE: failed('APIServerUnavailable', true),
  KUBE_API_ERROR: failed('APIServerError', true),
  // restic and the repository.
  RESTIC_FAILED: failed('ResticFailed'),
  RESTIC_PARTIAL: failed('ResticPartialBackup'),
  RESTIC_REPOSITORY_NOT_FOUND: notFound('RepositoryNotInitialized'),
  RESTIC_LOCKED: busy('RepositoryLocked'),
  RESTIC_WRONG_PASSWORD: failed('RepositoryWrongPassword'),
  RESTIC_INTERRUPTED: failed('ResticInterrupted'),
  REPOSITORY_INIT_FAILED: failed('RepositoryInitFailed'),
  SNAPSHOT_NOT_VERIFIED: failed('SnapshotNotVerified'),
  COMMAND_FAILED: failed('CommandFailed'),
  ABORTED: failed('Aborted'),
  TIMEOUT: failed('Timeout'),
  WIPE_OUT_FAILED: failed('WipeOutFailed', true),
  WIPE_OUT_UNSUPPORTED: failed('WipeOutUnsupported'),
  // Databases and their dumps.
  DATABASE_UNREACHABLE: failed('DatabaseUnreachable', true),
  DATABASE_NOT_READY: failed('DatabaseNotReady', true),
  DATABASE_AUTH_FAILED: failed('DatabaseAuthFailed'),
  DATABASE_TLS_FAILED: failed('DatabaseTLSFailed'),
  DATABASE_OVERLOADED: failed('DatabaseOverloaded', true),
  DATABASE_UNAVAILABLE: failed('DatabaseUnavailable', true),
  DATABASE_REQUEST_FAILED: failed('DatabaseRequestFailed'),
  SECRET_LOOKUP_UNAVAILABLE: failed('SecretLookupUnavailable'),
  DOCUMENT_REJECTED: failed('DocumentRejected'),
  DUMP_INCOMPLETE: failed('DumpIncomplete'),
  DUMP_INCONSISTENT: failed('DumpInconsistent'),
  DUMP_OUTPUT_FAILED: failed('DumpOutputFailed'),
  ARCHIVE_INVALID: failed('ArchiveInvalid'),
  ARCHIVE_TRUNCATED: failed('ArchiveTruncated'),
  INDEX_CREATE_FAILED: failed('IndexCreateFailed'),
  TEMPLATE_RESTORE_FAILED: failed('TemplateRestoreFailed'),
  TEMPLATE_UNSUPPORTED: failed('TemplateUnsupported'),
  RESTORE_CONFLICT: failed('RestoreConflict'),
  RESTORE_COUNT_MISMATCH: failed('RestoreCountMismatch'),
  RESTORE_NOTHING_SELECTED: failed('RestoreNothingSelected'),
  RESTORE_UNHEALTHY: failed('RestoreUnhealthy', true),
  RESTORE_FAILED: failed('RestoreFailed'),
  // Metrics.
  METRICS_INVALID_LABELS: failed('MetricsInvalidLabels'),
  METRICS_PUSH_FAILED: failed('MetricsPushFailed', true),
  /**
   * Anything that is not a StowageError: a bug, or a library's failure nobody classified yet. Retried
   * with backoff (it may be transient) and exits 5; the log carries the stack.
   */
  INTERNAL: { exit: ExitCode.Internal, retryable: true, reason: 'InternalError' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class StowageError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StowageError';
    this.code = code;
    this.details = options.details;
  }

  /** Whether trying again later can succeed (a property of the code). */
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /** The reason of the condition that reports this error in a status. */
  get reason(): string {
    return ERROR_CODES[this.code].reason;
  }

  get exitStatus(): ExitCodeNumber {
    return ERROR_CODES[this.code].exit;
  }
}

/** One problem found while validating input: where (dotted field path), and what was expected. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Invalid user input (a manifest, a flag, a Task): names the object and every field that is wrong. */
export class ValidationError extends StowageError {
  readonly issues: readonly FieldIssue[];
  readonly subject: string;

  constructor(subject: string, issues: readonly FieldIssue[]) {
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n');
    super('INVALID_INPUT', `${subject} is invalid:\n${lines}`, { details: { issues } });
    this.name = 'ValidationError';
    this.issues = issues;
    this.subject = subject;
  }
}

export function isStowageError(e: unknown): e is StowageError {
  return e instanceof StowageError;
}

/** Any thrown value as a StowageError: itself, or INTERNAL carrying it as the cause. */
export function asStowageError(e: unknown): StowageError {
  return isStowageError(e) ? e : new StowageError('INTERNAL', errorMessage(e), { cause: e });
}

/** Message of anything thrown, for logs and status fields. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
