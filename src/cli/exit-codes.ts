/**
 * Exit codes of the `stowage` command (documented in docs/cli.md):
 * 0 ok · 1 the operation failed (e.g. a session ended Failed) · 2 invalid input or usage ·
 * 3 an object was not found · 4 the repository is locked or busy, or the object changed meanwhile
 * (try again) · 5 internal error (a bug).
 */
import { isStowageError } from '../errors.ts';

export const ExitCode = { Ok: 0, Failed: 1, InvalidInput: 2, NotFound: 3, Busy: 4, Internal: 5 } as const;

export function exitCodeFor(e: unknown): number {
  if (!isStowageError(e)) return ExitCode.Internal;
  switch (e.code) {
    case 'INVALID_INPUT':
    case 'USAGE':
    case 'INVALID_SCHEDULE':
    case 'TEMPLATE_VARIABLE_UNSET':
      return ExitCode.InvalidInput;
    case 'NOT_FOUND':
    case 'TASK_NOT_FOUND':
    case 'FUNCTION_NOT_FOUND':
    case 'RESTIC_REPOSITORY_NOT_FOUND':
      return ExitCode.NotFound;
    case 'RESTIC_LOCKED':
    case 'CONFLICT':
      return ExitCode.Busy;
    default:
      return ExitCode.Failed;
  }
}
