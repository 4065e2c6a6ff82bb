/**
 * Waiting for something a test cannot be told about: poll until it holds, and when it never does,
 * fail with what was awaited and whatever explains why (the object's status, logs).
 */

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Appended to the timeout error: the state that explains the wait. */
  diagnostics?: () => string | Promise<string>;
}

/** Thrown by a probe when waiting longer cannot help (the process it waits on exited): fails the wait at once. */
export class WaitAborted extends Error {}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns something other than undefined; throws with `what` and diagnostics.
 * A probe that throws is asked again (the error is reported if time runs out), unless it throws WaitAborted.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  o: WaitOptions = {},
): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof WaitAborted) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(o.intervalMs ?? 250);
  }
  const extra = o.diagnostics ? await o.diagnostics() : '';
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}` +
      (lastError ? ` (last error: ${(lastError as Error).message})` : '') +
      (extra ? `\n${extra}` : ''),
  );
}
