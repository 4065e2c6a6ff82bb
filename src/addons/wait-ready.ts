/**
 * The readiness wait every addon does before a dump or a load: probe once a second until the
 * database answers, stop at once on an answer that waiting will not change (a refused password, an
 * untrusted certificate), and give up after the step's waitTimeout with the last error.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface ReadinessProbe {
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
  /** Resolves when the database is ready; rejects with why it is not. */
  probe: () => Promise<void>;
  /** The error to stop with at once for `err`, or undefined to keep waiting. */
  fatal: (err: unknown) => Error | undefined;
  /** The error to give up with after the timeout. */
  notReady: (last: unknown) => Error;
  onWaiting?: (attempt: number, err: unknown) => void;
  onReady?: (attempt: number) => void;
}

export async function waitUntilReady(p: ReadinessProbe): Promise<void> {
  const deadline = Date.now() + p.timeoutSeconds * 1000;
  let last: unknown;
  for (let attempt = 1; ; attempt++) {
    p.signal?.throwIfAborted();
    try {
      await p.probe();
      p.onReady?.(attempt);
      return;
    } catch (err) {
      const fatal = p.fatal(err);
      if (fatal) throw fatal;
      last = err;
    }
    if (Date.now() >= deadline) break;
    p.onWaiting?.(attempt, last);
    await delay(
      Math.min(1000, Math.max(0, deadline - Date.now())),
      undefined,
      p.signal ? { signal: p.signal } : {},
    );
  }
  throw p.notReady(last);
}
