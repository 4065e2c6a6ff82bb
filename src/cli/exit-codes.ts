/**
 * Exit codes of the `stowage` command (documented in docs/cli.md):
 * 0 ok · 1 the operation failed (e.g. a session ended Failed) · 2 invalid input or usage ·
 * 3 an object was not found · 4 the repository is locked or busy, or the object changed meanwhile
 * (try again) · 5 internal error (a bug). Which code exits how is the error table's (src/errors.ts).
 */
import { asStowageError, ExitCode } from '../errors.ts';

export { ExitCode };

export function exitCodeFor(e: unknown): number {
  return asStowageError(e).exitStatus;
}
