/**
 * restic's exit codes as typed errors. Callers branch on `code` (or `instanceof`), never on restic's
 * messages, which change between releases. Exit codes are restic's documented ones (0.17+: 10, 11;
 * 0.17.1+: 12; 3 = snapshot written but some files unreadable).
 */
import { StowageError } from '../errors.ts';

export interface ResticFailureDetails {
  /** restic's verb, e.g. `backup`. */
  verb: string;
  exitCode: number | null;
  signal: string | null;
  /** Last lines restic wrote to stderr (bounded; never contains secrets restic got from env). */
  stderrTail: string;
}

export type ResticErrorCode =
  | 'RESTIC_FAILED'
  | 'RESTIC_PARTIAL'
  | 'RESTIC_REPOSITORY_NOT_FOUND'
  | 'RESTIC_LOCKED'
  | 'RESTIC_WRONG_PASSWORD'
  | 'RESTIC_INTERRUPTED';

export class ResticError extends StowageError {
  readonly verb: string;
  readonly exitCode: number | null;
  readonly stderrTail: string;

  constructor(
    code: ResticErrorCode,
    message: string,
    failure: ResticFailureDetails,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { ...options, details: { ...failure } });
    this.name = 'ResticError';
    this.verb = failure.verb;
    this.exitCode = failure.exitCode;
    this.stderrTail = failure.stderrTail;
  }
}

export class ResticFailedError extends ResticError {
  constructor(message: string, failure: ResticFailureDetails, cause?: unknown) {
    super('RESTIC_FAILED', message, failure, { cause });
    this.name = 'ResticFailedError';
  }
}

/** `backup` exit 3: a snapshot was written, but some source files could not be read. */
export class ResticPartialError extends ResticError {
  constructor(message: string, failure: ResticFailureDetails) {
    super('RESTIC_PARTIAL', message, failure);
    this.name = 'ResticPartialError';
  }
}

export class RepositoryNotFoundError extends ResticError {
  constructor(message: string, failure: ResticFailureDetails) {
    super('RESTIC_REPOSITORY_NOT_FOUND', message, failure);
    this.name = 'RepositoryNotFoundError';
  }
}

/** Another process holds a conflicting lock; retrying later (or removing a stale lock) helps. */
export class RepositoryLockedError extends ResticError {
  constructor(message: string, failure: ResticFailureDetails) {
    super('RESTIC_LOCKED', message, failure, { retryable: true });
    this.name = 'RepositoryLockedError';
  }
}

export class WrongPasswordError extends ResticError {
  constructor(message: string, failure: ResticFailureDetails) {
    super('RESTIC_WRONG_PASSWORD', message, failure);
    this.name = 'WrongPasswordError';
  }
}

/** Stopped by a signal or by our AbortSignal; the repository may hold a stale lock afterwards. */
export class ResticInterruptedError extends ResticError {
  constructor(message: string, failure: ResticFailureDetails) {
    super('RESTIC_INTERRUPTED', message, failure);
    this.name = 'ResticInterruptedError';
  }
}

/**
 * The error for a finished restic process that did not succeed. `reason` is restic's own one-line
 * explanation when it printed one (the JSON exit_error message), else the stderr tail is used.
 */
export function errorFromExit(
  failure: ResticFailureDetails & { aborted?: boolean; reason?: string },
): ResticError {
  const { verb, exitCode, signal, aborted, reason } = failure;
  const details: ResticFailureDetails = { verb, exitCode, signal, stderrTail: failure.stderrTail };
  const why = (reason ?? lastLine(failure.stderrTail)) || 'no error output';
  if (aborted || signal !== null || exitCode === 130) {
    return new ResticInterruptedError(
      `restic ${verb} was interrupted (${aborted ? 'aborted' : (signal ?? `exit ${exitCode}`)}); a stale lock may remain`,
      details,
    );
  }
  switch (exitCode) {
    case 3:
      return new ResticPartialError(
        `restic ${verb} saved a snapshot but could not read all source data: ${why}`,
        details,
      );
    case 10:
      return new RepositoryNotFoundError(
        `restic repository does not exist (restic ${verb}): ${why}. Initialize it first, or check the Repository's backend settings.`,
        details,
      );
    case 11:
      return new RepositoryLockedError(
        `restic repository is locked by another process (restic ${verb}): ${why}. Retry later, or remove a stale lock.`,
        details,
      );
    case 12:
      return new WrongPasswordError(
        `restic could not open the repository with RESTIC_PASSWORD (restic ${verb}): wrong password or no key found. Check the storage Secret.`,
        details,
      );
    case null:
    default:
      return new ResticFailedError(`restic ${verb} failed (exit ${exitCode}): ${why}`, details);
  }
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.at(-1) ?? '';
}

/** A program the engine ran next to restic (the reader of `restic dump`) exited non-zero. */
export class CommandFailedError extends StowageError {
  constructor(program: string, exitCode: number | null, signal: string | null, stderrTail: string) {
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const tail = stderrTail.trim().split('\n').slice(-5).join('\n');
    super('COMMAND_FAILED', `${program} ${how}${tail ? `:\n${tail}` : ''}`, {
      details: { program, exitCode, signal, stderrTail },
    });
    this.name = 'CommandFailedError';
  }
}
