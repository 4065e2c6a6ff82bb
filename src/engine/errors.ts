/**
 * restic's exit codes as typed errors. Callers branch on the `code` of a ResticError, never on restic's
 * messages, which change between releases. Exit codes are restic's documented ones (0.17+: 10, 11;
 * 0.17.1+: 12; 3 = snapshot written but some files unreadable).
 */
import { StowageError, type ErrorCode } from '../errors.ts';

export interface ResticFailureDetails {
  /** restic's verb, e.g. `backup`. */
  verb: string;
  exitCode: number | null;
  signal: string | null;
  /** Last lines restic wrote to stderr (bounded; never contains secrets restic got from env). */
  stderrTail: string;
}

export type ResticErrorCode = Extract<ErrorCode, `RESTIC_${string}`>;

/**
 * A restic call that failed. Callers branch on `code` (RESTIC_LOCKED: another process holds a
 * lock; RESTIC_INTERRUPTED: stopped by a signal or an abort, a stale lock may remain; …).
 */
export class ResticError extends StowageError {
  declare readonly code: ResticErrorCode;
  readonly verb: string;
  readonly exitCode: number | null;
  readonly stderrTail: string;

  constructor(code: ResticErrorCode, message: string, failure: ResticFailureDetails, cause?: unknown) {
    super(code, message, { cause, details: { ...failure } });
    this.name = 'ResticError';
    this.verb = failure.verb;
    this.exitCode = failure.exitCode;
    this.stderrTail = failure.stderrTail;
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
    const how = aborted ? 'aborted' : (signal ?? `exit ${exitCode}`);
    return new ResticError(
      'RESTIC_INTERRUPTED',
      `restic ${verb} was interrupted (${how}); a stale lock may remain`,
      details,
    );
  }
  const [code, message] = exitMeaning(exitCode, verb, why);
  return new ResticError(code, message, details);
}

/** restic's documented exit codes: what each means, and what to do about it. */
function exitMeaning(exitCode: number | null, verb: string, why: string): [ResticErrorCode, string] {
  switch (exitCode) {
    case 3:
      return ['RESTIC_PARTIAL', `restic ${verb} saved a snapshot but could not read all source data: ${why}`];
    case 10:
      return [
        'RESTIC_REPOSITORY_NOT_FOUND',
        `restic repository does not exist (restic ${verb}): ${why}. Initialize it first, or check the Repository's backend settings.`,
      ];
    case 11:
      return [
        'RESTIC_LOCKED',
        `restic repository is locked by another process (restic ${verb}): ${why}. Retry later, or remove a stale lock.`,
      ];
    case 12:
      return [
        'RESTIC_WRONG_PASSWORD',
        `restic could not open the repository with RESTIC_PASSWORD (restic ${verb}): wrong password or no key found. Check the storage Secret.`,
      ];
    case null:
    default:
      return ['RESTIC_FAILED', `restic ${verb} failed (exit ${exitCode}): ${why}`];
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
