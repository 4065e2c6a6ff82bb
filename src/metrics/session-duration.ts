import { StowageError } from '../errors.ts';
import { SECOND, parseGoDuration } from '../core/format.ts';

/** A Go duration from a status (`1m4.5s`) in seconds; 0 when the status has none. */
export function durationSeconds(duration: string | undefined): number {
  return duration ? parseGoDuration(duration) / SECOND : 0;
}

/**
 * `status.sessionDuration` when set; otherwise now − creationTimestamp (the operator pushes the
 * metrics before it writes the final phase and duration).
 */
export function sessionDurationSeconds(
  meta: {
    metadata: { creationTimestamp?: string | undefined };
    status?: { sessionDuration?: string | undefined } | undefined;
  },
  now: Date,
): number {
  const recorded = meta.status?.sessionDuration;
  if (recorded) return durationSeconds(recorded);
  const created = meta.metadata.creationTimestamp;
  if (!created || Number.isNaN(Date.parse(created))) {
    throw new StowageError(
      'INVALID_TIMESTAMP',
      'session has neither status.sessionDuration nor a creationTimestamp',
      {},
    );
  }
  return Math.max(0, Math.round((now.getTime() - Date.parse(created)) / 1000));
}
