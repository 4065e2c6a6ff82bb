/**
 * Sends a registry to the Prometheus Pushgateway with "add" semantics (HTTP POST: same-named
 * metrics in the group are replaced, others kept), grouped only by `job`, as Stash does
 * (stash-spec §5.1).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { StowageError, errorMessage } from '../errors.ts';

export interface PushOptions {
  /** Pushgateway base URL, e.g. `http://stash.kube-system.svc:56789`. */
  url: string;
  /** The grouping key: see metricsJobName(). */
  job: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED, …) is in its cause. */
function fetchErrorMessage(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  return cause === undefined ? errorMessage(e) : `${errorMessage(e)} (${errorMessage(cause)})`;
}

/** `<url>/metrics/job/<job>`, tolerating a trailing slash on the base URL. */
export function pushUrl(url: string, job: string): string {
  return `${url.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(job)}`;
}

/** POSTs the registry to the Pushgateway. Failures are METRICS_PUSH_FAILED (retryable). */
export async function pushMetrics(registry: Registry, options: PushOptions): Promise<void> {
  const body = await registry.metrics();
  const target = pushUrl(options.url, options.job);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fail = (message: string, cause?: unknown, status?: number): StowageError =>
    new StowageError(
      'METRICS_PUSH_FAILED',
      `${message}; check that the Pushgateway at ${options.url} is running and reachable`,
      {
        cause,
        details: { url: target, job: options.job, ...(status === undefined ? {} : { status }) },
      },
    );

  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'Content-Type': registry.contentType },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const timedOut = e instanceof Error && e.name === 'TimeoutError';
    throw fail(
      timedOut
        ? `pushing metrics to ${target} timed out after ${timeoutMs} ms`
        : `pushing metrics to ${target} failed: ${fetchErrorMessage(e)}`,
      e,
    );
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).trim().slice(0, 500);
    throw fail(
      `pushing metrics to ${target} failed: HTTP ${response.status}${text ? `: ${text}` : ''}`,
      undefined,
      response.status,
    );
  }
  await response.body?.cancel();
  options.logger?.debug({ url: target, job: options.job }, 'pushed metrics');
}
