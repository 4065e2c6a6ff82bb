/**
 * The standalone runtime: the embedded state, the in-process scheduler, the process executor and a
 * work queue driving the same controllers the Kubernetes operator runs. Writes made here enqueue
 * the object at once; writes made by other processes (step processes, `stowage apply`/`trigger`)
 * are picked up within a fraction of a second by following the store's resource versions (a
 * change feed, like a watch), and a slower resync re-checks the objects that are still in flight.
 */
import type { Logger } from 'pino';
import type { KindName } from '../../api/index.ts';
import type { ControllerContext, OperatorSettings, SessionMetricsSink } from '../../controllers/context.ts';
import { isFinal } from '../../controllers/backup-session/status.ts';
import { reconcileKey } from '../dispatch.ts';
import { CronScheduler } from './cron-scheduler.ts';
import { LocalStore } from './local-store.ts';
import { ProcessExecutor } from './process-executor.ts';
import { stateDbPath, workRoot } from './paths.ts';
import { openStateDb, type StateDb } from './state-db.ts';
import { WorkQueue } from '../work-queue.ts';

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

const RECONCILED: KindName[] = ['BackupConfiguration', 'BackupSession', 'RestoreSession', 'Repository'];

export class StandaloneRuntime {
  readonly db: StateDb;
  readonly store: LocalStore;
  readonly executor: ProcessExecutor;
  readonly scheduler: CronScheduler;
  readonly queue: WorkQueue;
  readonly #o: StandaloneOptions;
  readonly #ctx: ControllerContext;
  #resync: NodeJS.Timeout | undefined;
  #watch: NodeJS.Timeout | undefined;
  #seenResourceVersion = 0;

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
      onCreated: (ns, name) => this.queue.add(`BackupSession/${ns}/${name}`),
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
      logger: o.logger.child({ component: 'queue' }),
    });
    this.store.onDelete((d) => void this.executor.deleteOwnedBy(d.uid));
    this.store.onChange((kind, ns, name) => this.#enqueueRelated(kind, ns, name));
  }

  async start(): Promise<void> {
    this.#seenResourceVersion = this.#maxResourceVersion();
    await this.#enqueueAll();
    this.#resync = setInterval(() => void this.#enqueueAll(true), this.#o.resyncMs ?? 10_000);
    this.#watch = setInterval(() => this.#followChanges(), this.#o.watchMs ?? 500);
  }

  async stop(): Promise<void> {
    if (this.#resync) clearInterval(this.#resync);
    if (this.#watch) clearInterval(this.#watch);
    this.scheduler.stopAll();
    await this.queue.shutdown();
    this.db.close();
  }

  #maxResourceVersion(): number {
    const row = this.db.prepare('SELECT MAX(resource_version) AS rv FROM objects').get() as {
      rv: number | null;
    };
    return row.rv ?? 0;
  }

  /** Enqueues what was written since the last look, by anyone (deletions are left to the resync). */
  #followChanges(): void {
    const rows = this.db
      .prepare(
        'SELECT kind, namespace, name, resource_version AS rv FROM objects WHERE resource_version > ? ORDER BY resource_version',
      )
      .all(this.#seenResourceVersion) as unknown as Array<{
      kind: KindName;
      namespace: string;
      name: string;
      rv: number;
    }>;
    for (const r of rows) {
      this.#seenResourceVersion = Math.max(this.#seenResourceVersion, r.rv);
      this.#enqueueRelated(r.kind, r.namespace, r.name);
    }
  }

  #enqueueRelated(kind: KindName, ns: string, name: string): void {
    if (RECONCILED.includes(kind)) this.queue.add(`${kind}/${ns}/${name}`);
    // Dependencies (a Secret or AppBinding appearing) make invokers re-check their conditions.
    if (kind === 'Secret' || kind === 'AppBinding' || kind === 'Repository')
      void this.#enqueueKind('BackupConfiguration');
    if (kind === 'BackupConfiguration' || kind === 'RestoreSession') void this.#enqueueKind('Repository');
  }

  async #enqueueKind(kind: KindName): Promise<void> {
    for (const o of await this.store.list(kind))
      this.queue.add(`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);
  }

  /** Everything at start; afterwards only what is still moving (sessions not final). */
  async #enqueueAll(onlyActive = false): Promise<void> {
    for (const kind of RECONCILED) {
      for (const o of await this.store.list(kind)) {
        const phase = (o as { status?: { phase?: string } }).status?.phase;
        if (onlyActive && (kind === 'BackupSession' || kind === 'RestoreSession') && isFinal(phase)) continue;
        this.queue.add(`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);
      }
    }
  }
}
