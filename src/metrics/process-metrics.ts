/**
 * The metrics of a long-running Stowage process (`serve`, the operator), exposed at /metrics by
 * whoever owns the HTTP server: prom-client's default process/Node metrics plus Stowage's own
 * counters. Each call builds its own Registry (no prom-client global state), so tests and several
 * runtimes in one process do not collide.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type SessionKind = 'BackupSession' | 'RestoreSession';

/** Which session, for the counter labels. `invoker` is the invoker's name. */
export interface SessionLabels {
  kind: SessionKind;
  namespace: string;
  invoker: string;
}

export interface ProcessMetricsOptions {
  /** prom-client default metrics (process_*, nodejs_*); default true. */
  defaultMetrics?: boolean;
}

export interface ProcessMetrics {
  readonly registry: Registry;
  sessionStarted(session: SessionLabels): void;
  /** `phase` is the final phase (Succeeded, Failed, Skipped, …). */
  sessionFinished(session: SessionLabels, phase: string, durationSeconds?: number): void;
  /** Bytes of one finished host backup: uploaded after dedup, and the size of the data backed up. */
  backupBytes(session: Omit<SessionLabels, 'kind'>, bytes: { uploaded: number; total?: number }): void;
  /** One controller reconcile: how long it took and whether it returned or threw. */
  reconciled(kind: string, seconds: number, ok: boolean): void;
  /** Text exposition for the /metrics handler. */
  metrics(): Promise<string>;
  /** Content-Type header for the /metrics response. */
  readonly contentType: string;
}

/** Buckets from seconds to hours: database dumps range from trivial to very long. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

export function createProcessMetrics(options: ProcessMetricsOptions = {}): ProcessMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const started = new Counter({
    name: 'stowage_sessions_started_total',
    help: 'Backup and restore sessions started',
    labelNames: ['kind', 'namespace', 'invoker'] as const,
    registers,
  });
  const finished = new Counter({
    name: 'stowage_sessions_finished_total',
    help: 'Backup and restore sessions that reached a final phase, by phase',
    labelNames: ['kind', 'namespace', 'invoker', 'phase'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'stowage_session_duration_seconds',
    help: 'Duration of finished backup and restore sessions, in seconds',
    labelNames: ['kind', 'phase'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const uploaded = new Counter({
    name: 'stowage_backup_uploaded_bytes_total',
    help: 'Bytes uploaded to repositories by backups (after deduplication and compression)',
    labelNames: ['namespace', 'invoker'] as const,
    registers,
  });
  const processed = new Counter({
    name: 'stowage_backup_data_bytes_total',
    help: 'Bytes of data read by backups (before deduplication)',
    labelNames: ['namespace', 'invoker'] as const,
    registers,
  });

  const reconcile = new Histogram({
    name: 'stowage_reconcile_duration_seconds',
    help: 'Duration of controller reconciles, by kind and result',
    labelNames: ['kind', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  return {
    registry,
    contentType: registry.contentType,
    sessionStarted(s) {
      started.inc({ kind: s.kind, namespace: s.namespace, invoker: s.invoker });
    },
    sessionFinished(s, phase, durationSeconds) {
      finished.inc({ kind: s.kind, namespace: s.namespace, invoker: s.invoker, phase });
      if (durationSeconds !== undefined) duration.observe({ kind: s.kind, phase }, durationSeconds);
    },
    backupBytes(s, bytes) {
      const labels = { namespace: s.namespace, invoker: s.invoker };
      uploaded.inc(labels, bytes.uploaded);
      if (bytes.total !== undefined) processed.inc(labels, bytes.total);
    },
    reconciled(kind, seconds, ok) {
      reconcile.observe({ kind, result: ok ? 'success' : 'error' }, seconds);
    },
    metrics: () => registry.metrics(),
  };
}
