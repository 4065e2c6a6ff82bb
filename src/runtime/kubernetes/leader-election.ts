/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules (client-node has no
 * elector): a candidate takes the Lease when it is free or when its holder has not renewed it for
 * `leaseDurationSeconds` — measured on this process's own clock from the moment it last saw the
 * record change, so clock skew between replicas cannot steal a live lease. A leader that cannot
 * renew within `renewDeadlineMs` steps down; on shutdown it releases the Lease so a successor does
 * not wait out the duration.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage } from '../../errors.ts';
import { isConflict, isNotFound } from './kube-errors.ts';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger: Logger;
}

export interface LeaderCallbacks {
  onStartedLeading: () => void | Promise<void>;
  /** Leadership lost (renewal failed or another holder took over). The process should stop its work. */
  onStoppedLeading: () => void;
}

export class LeaderElector {
  readonly identity: string;
  readonly #api: CoordinationV1Api;
  readonly #o: Required<Omit<LeaderElectionOptions, 'kubeConfig' | 'identity'>>;
  #leading = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** The last record seen and when (our clock): the basis of "has the holder stopped renewing?". */
  #observed: { holder: string; renewTime: string; at: number } | undefined;
  #lastRenewal = 0;
  /** The acquire/renew attempt of the last tick (true: we hold the Lease). */
  #attempt: Promise<boolean> | undefined;

  constructor(o: LeaderElectionOptions) {
    this.identity = o.identity ?? `${hostname()}_${randomUUID()}`;
    this.#api = o.kubeConfig.makeApiClient(CoordinationV1Api);
    this.#o = {
      namespace: o.namespace,
      name: o.name,
      leaseDurationSeconds: o.leaseDurationSeconds ?? 15,
      renewDeadlineMs: o.renewDeadlineMs ?? 10_000,
      retryPeriodMs: o.retryPeriodMs ?? 2_000,
      logger: o.logger,
    };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Runs the acquire/renew loop until stop(); callbacks fire on each transition. */
  run(callbacks: LeaderCallbacks): void {
    const tick = async (): Promise<void> => {
      if (this.#stopped) return;
      this.#attempt = this.#tryAcquireOrRenew().catch((e: unknown) => {
        // 409: another candidate wrote the Lease between our read and our write; it won this round.
        if (isConflict(e)) this.#o.logger.debug('lease changed meanwhile; another candidate won this round');
        else this.#o.logger.warn({ err: errorMessage(e) }, 'lease update failed');
        return false;
      });
      const held = await this.#attempt;
      // stop() came meanwhile: it releases what this attempt may have taken.
      if (this.#stopped) return;
      const now = Date.now();
      if (held) {
        this.#lastRenewal = now;
        if (!this.#leading) {
          this.#leading = true;
          this.#o.logger.info({ identity: this.identity, lease: this.#leaseName() }, 'became leader');
          // Not awaited: starting (listing every informer) can outlast the lease, and renewals
          // must go on meanwhile. A start that fails ends leadership like a failed renewal.
          Promise.resolve()
            .then(callbacks.onStartedLeading)
            .catch((e: unknown) => {
              this.#o.logger.error({ err: errorMessage(e) }, 'could not start leading');
              if (this.#leading) {
                this.#leading = false;
                callbacks.onStoppedLeading();
              }
            });
        }
      } else if (this.#leading && now - this.#lastRenewal > this.#o.renewDeadlineMs) {
        this.#leading = false;
        this.#o.logger.error({ lease: this.#leaseName() }, 'leadership lost: could not renew the lease');
        callbacks.onStoppedLeading();
      }
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), this.#o.retryPeriodMs);
    };
    void tick();
  }

  /** Stops the loop and, when leading, hands the Lease back (holder cleared, 1 s duration). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    // An attempt in flight may be taking the Lease right now: wait for it, then hand back.
    const tookIt = (await this.#attempt) ?? false;
    if (!this.#leading && !tookIt) return;
    this.#leading = false;
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity !== this.identity) return;
      lease.spec.holderIdentity = undefined;
      lease.spec.leaseDurationSeconds = 1;
      lease.spec.renewTime = new V1MicroTime();
      await this.#api.replaceNamespacedLease({
        namespace: this.#o.namespace,
        name: this.#o.name,
        body: lease,
      });
    } catch (e) {
      this.#o.logger.warn({ err: errorMessage(e) }, 'could not release the lease');
    }
  }

  #leaseName(): string {
    return `${this.#o.namespace}/${this.#o.name}`;
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({ namespace: this.#o.namespace, name: this.#o.name });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    const lease = await this.#read();
    if (!lease) {
      await this.#api.createNamespacedLease({
        namespace: this.#o.namespace,
        body: {
          metadata: { name: this.#o.name, namespace: this.#o.namespace },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: this.#o.leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
    if (!this.#observed || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime) {
      this.#observed = { holder, renewTime, at: Date.now() };
    }
    const durationMs = (spec.leaseDurationSeconds ?? this.#o.leaseDurationSeconds) * 1000;
    const heldByOther = holder !== '' && holder !== this.identity;
    if (heldByOther && this.#observed.at + durationMs > Date.now()) return false;

    const changingHolder = holder !== this.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.identity,
      leaseDurationSeconds: this.#o.leaseDurationSeconds,
      renewTime: now,
      ...(changingHolder ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    // resourceVersion in the body makes this a compare-and-swap: two candidates cannot both win.
    await this.#api.replaceNamespacedLease({ namespace: this.#o.namespace, name: this.#o.name, body: lease });
    return true;
  }
}
