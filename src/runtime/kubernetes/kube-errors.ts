/**
 * API server failures → StowageError, so controllers branch on the same codes whichever runtime
 * they run on (LocalStore throws NOT_FOUND, ALREADY_EXISTS, CONFLICT, INVALID_INPUT too).
 * client-node throws ApiException with the HTTP code and the server's Status as a JSON string;
 * the Status carries the message and, for 422, the field causes we keep for the user.
 */
import { StowageError, ValidationError, errorMessage, type FieldIssue } from '../../errors.ts';

/** What the write was, because 409 means "exists" on create and "changed meanwhile" on update. */
export type KubeOperation = 'get' | 'list' | 'create' | 'update' | 'delete';

/** The parts of a metav1.Status we use. */
interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

/** The HTTP status of a client-node ApiException, or undefined for anything else (network, bug). */
function apiStatusCode(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' && 'body' in e ? code : undefined;
}

/** The server's Status from an ApiException body (a JSON string, an object, or nothing). */
function kubeStatusOf(e: unknown): KubeStatus | undefined {
  const body = (e as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as KubeStatus) : { message: body };
    } catch {
      return body ? { message: body } : undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as KubeStatus) : undefined;
}

export const isNotFound = (e: unknown): boolean => apiStatusCode(e) === 404;
export const isConflict = (e: unknown): boolean => apiStatusCode(e) === 409;

/** What the mapping of one HTTP status needs to say what failed. */
interface Failure {
  e: unknown;
  op: KubeOperation;
  subject: string;
  status: KubeStatus | undefined;
  /** The server's message, or the HTTP status when it sent none. */
  said: string;
}

const notFound = ({ e, subject }: Failure) =>
  new StowageError('NOT_FOUND', `${subject} not found`, { cause: e });

/** 409: "exists" on create (unless the server says Conflict), "changed meanwhile" otherwise. */
const conflict = ({ e, op, subject, status, said }: Failure) =>
  op === 'create' && status?.reason !== 'Conflict'
    ? new StowageError('ALREADY_EXISTS', `${subject} already exists`, { cause: e })
    : new StowageError('CONFLICT', `${subject} was modified meanwhile; retry (${said})`, { cause: e });

/** 400 and 422: the server's field causes, kept for the user. */
function invalid({ e, subject, status, said }: Failure): StowageError {
  const causes = status?.details?.causes ?? [];
  const issues: FieldIssue[] = causes.length
    ? causes.map((c) => ({ path: c.field ?? '', message: c.message ?? c.reason ?? said }))
    : [{ path: '', message: said }];
  const err = new ValidationError(subject, issues);
  err.cause = e;
  return err;
}

const unauthorized = ({ e, op, subject, said }: Failure) =>
  new StowageError(
    'UNAUTHORIZED',
    `${op} ${subject}: the API server rejected our credentials (${said}); check the kubeconfig or service account token`,
    { cause: e },
  );

const forbidden = ({ e, op, subject, said }: Failure) =>
  new StowageError(
    'FORBIDDEN',
    `${op} ${subject} is forbidden: ${said}; grant the operator's service account this permission`,
    { cause: e },
  );

const unavailable = ({ e, op, subject, said }: Failure) =>
  new StowageError('KUBE_API_UNAVAILABLE', `${op} ${subject}: ${said}; retrying later`, { cause: e });

/** The HTTP statuses that mean something to the controllers; any other is KUBE_API_ERROR. */
const BY_STATUS: ReadonlyMap<number, (f: Failure) => StowageError> = new Map([
  [404, notFound],
  [409, conflict],
  [400, invalid],
  [422, invalid],
  [401, unauthorized],
  [403, forbidden],
  [429, unavailable],
  [500, unavailable],
  [502, unavailable],
  [503, unavailable],
  [504, unavailable],
]);

/**
 * Maps a failed API call on `subject` (e.g. `BackupSession demo/x`) to a StowageError; non-API
 * errors (connection refused, TLS) become KUBE_API_UNAVAILABLE, retryable.
 */
export function toStowageError(e: unknown, op: KubeOperation, subject: string): StowageError {
  if (e instanceof StowageError) return e;
  const code = apiStatusCode(e);
  if (code === undefined) {
    return new StowageError(
      'KUBE_API_UNAVAILABLE',
      `${op} ${subject}: the Kubernetes API server could not be reached: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  const status = kubeStatusOf(e);
  const failure: Failure = { e, op, subject, status, said: status?.message ?? `HTTP ${code}` };
  const map = BY_STATUS.get(code);
  if (map) return map(failure);
  return new StowageError('KUBE_API_ERROR', `${op} ${subject} failed (HTTP ${code}): ${failure.said}`, {
    cause: e,
  });
}
