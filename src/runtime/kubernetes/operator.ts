/**
 * The Kubernetes runtime: informers turn API changes into work-queue keys, and the same
 * controllers the standalone runtime runs reconcile them over the Kubernetes Store (the API
 * server), Scheduler (CronJobs) and Executor (Jobs). Level-triggered: a key carries no event, so a
 * missed or repeated notification only costs one extra reconcile; a periodic resync re-checks
 * everything that is still in flight.
 */
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kinds } from '../../api/index.ts';
import type { ControllerContext, OperatorSettings, SessionMetricsSink } from '../../controllers/context.ts';
import { isFinal } from '../../controllers/backup-session/status.ts';
import { errorMessage } from '../../errors.ts';
import { reconcileKey } from '../dispatch.ts';
import { WorkQueue } from '../work-queue.ts';
import { makeKubeClients } from './kube-client.ts';
import { JobExecutor } from './kube-executor.ts';
import { CronJobScheduler } from './kube-scheduler.ts';
import { KubeStore } from './kube-store.ts';
import { keyOf, operatorWatches, RECONCILED_KINDS, type ReconciledKind, type WatchSpec } from './watches.ts';

export interface KubernetesOperatorOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  settings: OperatorSettings;
  metrics: SessionMetricsSink;
  /** Parallel reconciles (default 8). */
  concurrency?: number;
  /** How often sessions still in flight and invokers are re-checked without an event (default 60 s). */
  resyncMs?: number;
  /** Observes every reconcile, for the operator's /metrics. */
  onReconciled?: (kind: string, seconds: number, ok: boolean) => void;
}

type CachedInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

const RESTART_DELAY_MS = 3_000;

export class KubernetesOperator {
  readonly store: KubeStore;
  readonly queue: WorkQueue;
  readonly #o: KubernetesOperatorOptions;
  readonly #ctx: ControllerContext;
  readonly #informers = new Map<WatchSpec, CachedInformer>();
  readonly #byKind = new Map<ReconciledKind, CachedInformer>();
  #synced = false;
  #stopping = false;
  #resync: NodeJS.Timeout | undefined;

  constructor(o: KubernetesOperatorOptions) {
    this.#o = o;
    const clients = makeKubeClients(o.kubeConfig);
    this.store = new KubeStore({ clients });
    this.#ctx = {
      store: this.store,
      scheduler: new CronJobScheduler({ clients, image: o.settings.image }),
      executor: new JobExecutor({ clients }),
      logger: o.logger,
      now: () => new Date(),
      settings: o.settings,
      metrics: o.metrics,
    };
    this.queue = new WorkQueue({
      reconcile: (key) => this.#reconcile(key),
      logger: o.logger.child({ component: 'queue' }),
      concurrency: o.concurrency ?? 8,
    });
  }

  /** True once every informer has listed its objects: the operator acts on a complete picture. */
  get ready(): boolean {
    return this.#synced && !this.#stopping;
  }

  async start(): Promise<void> {
    const watches = operatorWatches(this.#o.kubeConfig);
    for (const w of watches) {
      const informer = makeInformer(this.#o.kubeConfig, w.path, w.list, w.labelSelector) as CachedInformer;
      const enqueue = (obj: KubernetesObject) => {
        for (const key of w.keysFor(obj, (kind, ns) => this.#keysOfNamespace(kind, ns))) this.queue.add(key);
      };
      informer.on('add', enqueue);
      informer.on('update', enqueue);
      informer.on('delete', enqueue);
      informer.on('error', (err: unknown) => {
        if (this.#stopping) return;
        this.#o.logger.warn({ watch: w.path, err: errorMessage(err) }, 'watch failed; restarting');
        setTimeout(() => void this.#startInformer(w, informer), RESTART_DELAY_MS);
      });
      this.#informers.set(w, informer);
      const kind = RECONCILED_KINDS.find((k) => w.path.endsWith(`/${kinds[k].plural}`));
      if (kind) this.#byKind.set(kind, informer);
    }
    await Promise.all([...this.#informers].map(([w, informer]) => this.#startInformer(w, informer)));
    this.#synced = true;
    this.#o.logger.info({ watches: watches.length }, 'informers synced; reconciling');
    this.#enqueueAll(false);
    this.#resync = setInterval(() => this.#enqueueAll(true), this.#o.resyncMs ?? 60_000);
  }

  /** Stops watching, lets running reconciles finish. Jobs keep running in the cluster. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#resync) clearInterval(this.#resync);
    await Promise.all([...this.#informers.values()].map((i) => i.stop().catch(() => undefined)));
    await this.queue.shutdown();
  }

  async #startInformer(w: WatchSpec, informer: CachedInformer): Promise<void> {
    for (;;) {
      if (this.#stopping) return;
      try {
        await informer.start();
        return;
      } catch (e) {
        this.#o.logger.warn({ watch: w.path, err: errorMessage(e) }, 'initial list failed; retrying');
        await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      }
    }
  }

  async #reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const started = performance.now();
    const kind = key.slice(0, key.indexOf('/'));
    let ok = false;
    try {
      const result = await reconcileKey(this.#ctx, key);
      ok = true;
      return result;
    } finally {
      this.#o.onReconciled?.(kind, (performance.now() - started) / 1000, ok);
    }
  }

  #keysOfNamespace(kind: ReconciledKind, namespace: string): string[] {
    return (this.#byKind.get(kind)?.list(namespace) ?? []).map((o) =>
      keyOf(kind, o.metadata?.namespace, o.metadata?.name),
    );
  }

  /** Everything at start; afterwards what can still change without an event (sessions in flight, invokers). */
  #enqueueAll(onlyActive: boolean): void {
    for (const kind of RECONCILED_KINDS) {
      for (const o of this.#byKind.get(kind)?.list() ?? []) {
        const phase = (o as { status?: { phase?: string } }).status?.phase;
        if (onlyActive && (kind === 'BackupSession' || kind === 'RestoreSession') && isFinal(phase)) continue;
        this.queue.add(keyOf(kind, o.metadata?.namespace, o.metadata?.name));
      }
    }
  }
}
