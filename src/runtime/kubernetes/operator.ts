/**
 * The Kubernetes runtime: informers turn API changes into work-queue keys, and the same
 * controllers the standalone runtime runs reconcile them over the Kubernetes Store (the API
 * server, read through the informer caches where that is safe: informer-cache.ts), Scheduler
 * (CronJobs) and Executor (Jobs). Level-triggered: a key carries no event, so a missed or repeated
 * notification only costs one extra reconcile; a periodic resync re-checks everything that is
 * still in flight.
 */
import { createHash } from 'node:crypto';
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ControllerContext, OperatorSettings, SessionMetricsSink } from '../../controllers/context.ts';
import { keyOf } from '../../controllers/controller.ts';
import { CONTROLLERS } from '../../controllers/index.ts';
import { resyncKeys, WakeUp } from '../../controllers/wake-up.ts';
import { errorMessage } from '../../errors.ts';
import { reconcileKey, reportTerminal } from '../dispatch.ts';
import { WorkQueue } from '../work-queue.ts';
import { CachedScheduler, CachedStore, freezeDeep } from './informer-cache.ts';
import { makeKubeClients } from './kube-client.ts';
import { JobExecutor } from './kube-executor.ts';
import { CronJobScheduler } from './kube-scheduler.ts';
import { KubeStore } from './kube-store.ts';
import {
  classifyChange,
  fingerprint,
  operatorWatches,
  type Change,
  type Fingerprint,
  type WatchedKind,
  type WatchSpec,
} from './watches.ts';

export interface KubernetesOperatorOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  settings: OperatorSettings;
  metrics: SessionMetricsSink;
  /** Parallel reconciles (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** How often sessions still in flight and invokers are re-checked without an event (default 60 s). */
  resyncMs?: number;
  /** Observes every reconcile, for the operator's /metrics. */
  onReconciled?: (kind: string, seconds: number, ok: boolean) => void;
}

/** Parallel reconciles: most of a reconcile is waiting on the API server (see docs/benchmarks.md). */
export const DEFAULT_CONCURRENCY = 8;

type CachedInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

const RESTART_DELAY_MS = 3_000;

export class KubernetesOperator {
  /** The API server itself, uncached: for callers outside the reconcile loop (tests, tools). */
  readonly store: KubeStore;
  readonly queue: WorkQueue;
  readonly #o: KubernetesOperatorOptions;
  readonly #ctx: ControllerContext;
  readonly #cachedStore: CachedStore;
  readonly #wakeUp = new WakeUp();
  readonly #informers = new Map<WatchSpec, CachedInformer>();
  readonly #byKind = new Map<WatchedKind, CachedInformer>();
  /** Per watch, what the last event of each object looked like (to classify the next one). */
  readonly #seen = new Map<WatchSpec, Map<string, Fingerprint>>();
  /** Watches whose list has succeeded at least once. */
  readonly #listed = new Set<WatchSpec>();
  #synced = false;
  #stopping = false;
  #resync: NodeJS.Timeout | undefined;

  constructor(o: KubernetesOperatorOptions) {
    this.#o = o;
    shareConnections(o.kubeConfig);
    const clients = makeKubeClients(o.kubeConfig);
    this.store = new KubeStore({ clients });
    const cache = (kind: WatchedKind) => (this.#synced ? this.#byKind.get(kind) : undefined);
    this.#cachedStore = new CachedStore({ inner: this.store, clients, cache });
    this.#ctx = {
      store: this.#cachedStore,
      scheduler: new CachedScheduler({
        inner: new CronJobScheduler({ clients, image: o.settings.image }),
        image: o.settings.image,
        cache,
      }),
      executor: new JobExecutor({ clients }),
      logger: o.logger,
      now: () => new Date(),
      settings: o.settings,
      metrics: o.metrics,
    };
    this.queue = new WorkQueue({
      reconcile: (key) => this.#reconcile(key),
      onTerminal: (key, error) => reportTerminal(this.#ctx, key, error),
      logger: o.logger.child({ component: 'queue' }),
      concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
    });
  }

  /** True once every informer has listed its objects: the operator acts on a complete picture. */
  get ready(): boolean {
    return this.#synced && !this.#stopping;
  }

  async start(): Promise<void> {
    const watches = operatorWatches(this.#o.kubeConfig, this.#wakeUp.watchedKinds);
    for (const w of watches) {
      // The informer reports a failed list through 'error' and resolves start() all the same:
      // readiness waits for a list that succeeded.
      const list = async () => {
        const result = await w.list();
        for (const item of result.items) prepare(item);
        this.#listed.add(w);
        return result;
      };
      const informer = makeInformer(this.#o.kubeConfig, w.path, list, w.labelSelector) as CachedInformer;
      const seen = new Map<string, Fingerprint>();
      this.#seen.set(w, seen);
      const on = (event: 'added' | 'updated' | 'deleted') => (obj: KubernetesObject) => {
        prepare(obj);
        const id = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
        let change: Change;
        if (event === 'deleted') {
          change = 'deleted';
          seen.delete(id);
        } else {
          const now = fingerprint(obj);
          change = event === 'added' ? 'added' : classifyChange(seen.get(id), now);
          seen.set(id, now);
        }
        this.#cachedStore.observe(w.kind, obj, event === 'deleted');
        for (const key of this.#wakeUp.changed(w.kind, obj, change)) this.queue.add(key);
      };
      informer.on('add', on('added'));
      informer.on('update', on('updated'));
      informer.on('delete', on('deleted'));
      informer.on('error', (err: unknown) => {
        if (this.#stopping) return;
        this.#o.logger.warn({ watch: w.path, err: errorMessage(err) }, 'watch failed; restarting');
        setTimeout(() => void this.#startInformer(w, informer), RESTART_DELAY_MS);
      });
      this.#informers.set(w, informer);
      this.#byKind.set(w.kind, informer);
    }
    await Promise.all([...this.#informers].map(([w, informer]) => this.#startInformer(w, informer)));
    while (!this.#stopping && this.#listed.size < this.#informers.size) {
      await new Promise((r) => setTimeout(r, 200));
    }
    if (this.#stopping) return;
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

  /** Everything at start; afterwards what the controllers re-check without an event (their `resync`). */
  #enqueueAll(onlyResync: boolean): void {
    const cached = (kind: string) => this.#byKind.get(kind as WatchedKind)?.list() ?? [];
    const keys = onlyResync
      ? resyncKeys(cached)
      : CONTROLLERS.flatMap((c) =>
          cached(c.kind).map((o) => keyOf(c.kind, o.metadata?.namespace, o.metadata?.name)),
        );
    for (const key of keys) this.queue.add(key);
  }
}

/**
 * An object entering a cache: managedFields dropped (the largest part of most objects, and never
 * read; an update without them leaves the server's as they are), then frozen (informer-cache.ts).
 */
function prepare(obj: KubernetesObject): void {
  if (Object.isFrozen(obj)) return;
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  freezeDeep(obj);
}

const SHARED = Symbol('stowage.sharedConnections');

/**
 * client-node 2.0 builds a new undici Agent for every request (KubeConfig.applySecurityAuthentication
 * → createDispatcher), so every API call opens a TLS connection of its own: a handshake on both
 * sides, a TLS context built from the CA again, and a socket left open until its keep-alive runs
 * out. At a few hundred calls a second that was most of the operator's and the API server's CPU and
 * hundreds of MiB of the operator's memory (docs/benchmarks.md). This makes `kubeConfig` hand out
 * one Agent per TLS identity (cluster, CA, client certificate), so connections are pooled and
 * reused; a rotated certificate gets a new one. Idempotent; a no-op should client-node change.
 */
export function shareConnections(kubeConfig: KubeConfig): void {
  const kc = kubeConfig as unknown as Record<PropertyKey, unknown> & {
    createDispatcher?: (cluster: unknown, agentOptions: Record<string, unknown>) => unknown;
  };
  if (kc[SHARED] || typeof kc.createDispatcher !== 'function') return;
  const create = kc.createDispatcher.bind(kubeConfig);
  const agents = new Map<string, unknown>();
  kc.createDispatcher = (cluster, agentOptions) => {
    // The CA, certificate and key come back as new Buffers on every request (read from their
    // files again): key on their contents.
    const hash = createHash('sha256').update(String((cluster as { server?: string } | null)?.server));
    for (const name of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
      const v = agentOptions[name];
      hash.update(`\0${name}=`);
      if (Buffer.isBuffer(v) || typeof v === 'string') hash.update(v);
      else if (v !== undefined) hash.update(JSON.stringify(v));
    }
    const key = hash.digest('base64');
    let agent = agents.get(key);
    if (agent === undefined) {
      agent = create(cluster, agentOptions);
      agents.set(key, agent);
    }
    return agent;
  };
  kc[SHARED] = true;
}
