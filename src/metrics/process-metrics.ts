/**
 * The metrics of a long-running Stowage process (`serve`, the operator), exposed at /metrics by
 * whoever owns the HTTP server: prom-client's default process/Node metrics plus how long the
 * controllers' reconciles take. Each call builds its own Registry (no prom-client global state), so
 * tests and several runtimes in one process do not collide.
 */
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ProcessMetricsOptions {
  /** prom-client default metrics (process_*, nodejs_*); default true. */
  defaultMetrics?: boolean;
}

export interface ProcessMetrics {
  /** One controller reconcile: how long it took and whether it returned or threw. */
  reconciled(kind: string, seconds: number, ok: boolean): void;
  /** Text exposition for the /metrics handler. */
  metrics(): Promise<string>;
  /** Content-Type header for the /metrics response. */
  readonly contentType: string;
}

export function createProcessMetrics(options: ProcessMetricsOptions = {}): ProcessMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const reconcile = new Histogram({
    name: 'stowage_reconcile_duration_seconds',
    help: 'Duration of controller reconciles, by kind and result',
    labelNames: ['kind', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    reconciled(kind, seconds, ok) {
      reconcile.observe({ kind, result: ok ? 'success' : 'error' }, seconds);
    },
    metrics: () => registry.metrics(),
  };
}
