/**
 * The standalone runtime: the embedded state, the in-process scheduler, the process executor and a
 * work queue driving the same controllers the Kubernetes operator runs. The store's change feed
 * (every write, by this process or another: step processes, `stowage apply`/`trigger`) goes
 * through the controllers' own wake-up declarations (src/controllers/wake-up.ts), exactly as the
 * operator's informer events do; a slower resync re-checks what can change without a write.
 */
import type { Logger } from 'pino';
import type { AnyObject } from '../../api/index.ts';
import type { ControllerContext, OperatorSettings, SessionMetricsSink } from '../../controllers/context.ts';
import { CONTROLLERS } from '../../controllers/index.ts';
import { resyncKeys, WakeUp } from '../../controllers/wake-up.ts';
import { reconcileKey, reportTerminal } from '../dispatch.ts';
import { WorkQueue } from '../work-queue.ts';
import type { StoreChange } from './change-log.ts';
import { CronScheduler } from './cron-scheduler.ts';
import { LocalStore } from './local-store.ts';
import { stateDbPath, workRoot } from './paths.ts';
import { ProcessExecutor } from './process-executor.ts';
import { openStateDb, type StateDb } from './state-db.ts';

export interface StandaloneOptions {
  stateDir: string;
  logger: Logger;
  settings: OperatorSettings;
  metrics: SessionMetricsSink;
  /** argv starting this program; the executor appends `job-run …`. */
  selfCommand: string[];
  /** Env for job runners and steps. */
  stepEnv: Record<string, string>;
  resyncMs?: number;
  /** How often the change feed looks for writes by other processes. */
  watchMs?: number;
}

export { stateDbPath, workRoot };

export class StandaloneRuntime {
  readonly db: StateDb;
  readonly store: LocalStore;
  readonly executor: ProcessExecutor;
  readonly scheduler: CronScheduler;
  readonly queue: WorkQueue;
  readonly #o: StandaloneOptions;
  readonly #ctx: ControllerContext;
  readonly #wakeUp = new WakeUp();
  #resync: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;

  constructor(o: StandaloneOptions) {
    this.#o = o;
    this.db = openStateDb(stateDbPath(o.stateDir));
    this.store = new LocalStore(this.db);
    this.executor = new ProcessExecutor({
      db: this.db,
      workRoot: workRoot(o.stateDir),
      selfCommand: o.selfCommand,
      env: o.stepEnv,
    });
    this.scheduler = new CronScheduler({
      store: this.store,
      logger: o.logger.child({ component: 'scheduler' }),
    });
    this.#ctx = {
      store: this.store,
      scheduler: this.scheduler,
      executor: this.executor,
      logger: o.logger,
      now: () => new Date(),
      settings: o.settings,
      metrics: o.metrics,
    };
    this.queue = new WorkQueue({
      reconcile: (key) => reconcileKey(this.#ctx, key),
      onTerminal: (key, error) => reportTerminal(this.#ctx, key, error),
      logger: o.logger.child({ component: 'queue' }),
    });
  }

  /** Watches from now on, then reports everything there is as added (an informer's initial list). */
  async start(): Promise<void> {
    this.#unwatch = this.store.watch((c) => this.#changed(c), this.#o.watchMs ?? 500);
    for (const kind of this.#wakeUp.watchedKinds) {
      if (kind === 'Job' || kind === 'CronJob') continue; // Kubernetes objects: none here
      for (const object of await this.store.list(kind)) this.#changed({ kind, change: 'added', object });
    }
    this.#resync = setInterval(() => void this.#resyncAll(), this.#o.resyncMs ?? 10_000);
  }

  async stop(): Promise<void> {
    if (this.#resync) clearInterval(this.#resync);
    this.#unwatch?.();
    this.scheduler.stopAll();
    await this.queue.shutdown();
    this.db.close();
  }

  #changed(c: StoreChange): void {
    // What the garbage collector deletes on Kubernetes: the Jobs of a deleted session.
    if (c.change === 'deleted' && c.object.metadata.uid)
      void this.executor.deleteOwnedBy(c.object.metadata.uid);
    for (const key of this.#wakeUp.changed(c.kind, c.object, c.change)) this.queue.add(key);
  }

  async #resyncAll(): Promise<void> {
    const objects = new Map<string, AnyObject[]>();
    for (const { kind } of CONTROLLERS) objects.set(kind, await this.store.list(kind));
    for (const key of resyncKeys((kind) => objects.get(kind) ?? [])) this.queue.add(key);
  }
}
