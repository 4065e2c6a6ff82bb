/**
 * The one error base of the project. Every failure that crosses a layer is a StowageError with a
 * stable `code` (branch on it, never on messages), a `retryable` flag for the reconcile loop and
 * the in-job steps, and the original `cause`. Messages say what went wrong and what to do next.
 */
export class StowageError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StowageError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
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

/** Message of anything thrown, for logs and status fields. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
