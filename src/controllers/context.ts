/** What every reconcile gets: the seams, a clock, a logger and the operator-wide settings. */
import type { Logger } from 'pino';
import type { ObjectOf } from '../api/index.ts';
import type { RepositoryWiper } from '../backends/wipe-out.ts';
import type { Executor, Scheduler, Store } from './store.ts';

export interface OperatorSettings {
  /** Image of the stowage binary; Functions with this image run our in-job steps. */
  image: string;
  /** Pushgateway URL passed to steps (PROMETHEUS_PUSHGATEWAY_URL) and used for session metrics. */
  pushgatewayUrl: string | undefined;
}

export interface ControllerContext {
  store: Store;
  scheduler: Scheduler;
  executor: Executor;
  logger: Logger;
  now: () => Date;
  settings: OperatorSettings;
  metrics: SessionMetricsSink;
  /**
   * Deletes a Repository's backend objects (wipeOut). Unset: the real one
   * (src/backends/wipe-out.ts); tests pass their own.
   */
  repositoryWiper?: RepositoryWiper;
}

/**
 * Where session-level metrics go when a session completes (the Pushgateway, when configured).
 * Throws when the push fails; the caller turns that into MetricsPushed=False.
 */
export interface SessionMetricsSink {
  readonly enabled: boolean;
  backupSessionCompleted(input: {
    session: ObjectOf<'BackupSession'>;
    invoker: ObjectOf<'BackupConfiguration'>;
    appBinding: ObjectOf<'AppBinding'> | undefined;
  }): Promise<void>;
  restoreSessionCompleted(input: {
    session: ObjectOf<'RestoreSession'>;
    appBinding: ObjectOf<'AppBinding'> | undefined;
  }): Promise<void>;
}

/** What a reconcile asks of the loop: come back later (level-triggered, nothing else is remembered). */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export const done: ReconcileResult = {};
export const requeueAfter = (ms: number): ReconcileResult => ({ requeueAfterMs: ms });
