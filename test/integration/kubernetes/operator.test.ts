/**
 * `stowage operator` against a real control plane, run as a user runs it: `bin/stowage operator`
 * as a child process with KUBECONFIG and JSON logs. A BackupConfiguration with its Repository,
 * backend Secret and AppBinding becomes Ready with its trigger CronJob; a missing Secret shows as
 * BackendSecretFound=False and heals on the controller's requeue (Secrets are not watched, and the
 * resync is set far beyond the test, so only the requeue can notice the Secret); pause
 * suspends the CronJob; /healthz, /readyz and /metrics answer; with --leader-elect only the Lease
 * holder reconciles, a SIGTERMed leader hands the Lease over, a leader that loses it exits non-zero;
 * SIGTERM exits 0. How long these take is measured by bench/operator-scale.ts, not asserted here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KindName, ObjectOf } from '../../../src/api/index.ts';
import type { KubeStore } from '../../../src/runtime/kubernetes/kube-store.ts';
import { freePort } from '../../harness/process.ts';
import { repoRoot, stowageBin } from '../../harness/bin.ts';
import { appBinding, backupConfiguration, repository, secret } from '../../unit/controllers/fixtures.ts';
import { useKubeTestEnv } from './kube-env-hooks.ts';
import { eventually, inNamespace, newNamespace } from './kube-support.ts';

const CONDITIONS = [
  'RepositoryFound',
  'BackendSecretFound',
  'ValidationPassed',
  'BackupTargetFound',
  'CronJobCreated',
] as const;

const env = useKubeTestEnv();
const started: OperatorProcess[] = [];

beforeAll(async () => {
  await applyCatalog(env.store);
});

// Registered after the environment's hooks, so it runs before the control plane stops.
afterAll(async () => {
  for (const op of started) await op.stop('SIGKILL');
});

// --- the operator as a child process ---------------------------------------------------------

interface LogLine {
  msg?: string;
  level?: number;
  [k: string]: unknown;
}

class OperatorProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly lines: LogLine[] = [];
  #raw = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(port: number, args: string[], kubeconfig: string) {
    this.port = port;
    this.child = spawn(stowageBin, ['operator', `--listen=127.0.0.1:${port}`, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KUBECONFIG: kubeconfig,
        STOWAGE_LOG_FORMAT: 'json',
        STOWAGE_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer): void => {
      this.#raw += chunk.toString();
      let nl: number;
      while ((nl = this.#raw.indexOf('\n')) >= 0) {
        const line = this.#raw.slice(0, nl);
        this.#raw = this.#raw.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: line });
        }
      }
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  static async start(args: string[] = [], kubeconfig = env.cluster.kubeconfigPath): Promise<OperatorProcess> {
    const op = new OperatorProcess(await freePort(), args, kubeconfig);
    started.push(op);
    await eventually(`operator :${op.port} /healthz`, async () => {
      if (op.child.exitCode !== null) throw new Error(`operator exited ${op.child.exitCode}:\n${op.log()}`);
      return (await op.get('/healthz').catch(() => undefined))?.status === 200 ? true : undefined;
    });
    return op;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  }

  logged(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }

  log(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  /** Sends `signal`; SIGKILL after 15 s (the test then fails on the exit it expected). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// --- objects ---------------------------------------------------------------------------------

async function applyCatalog(s: KubeStore): Promise<void> {
  const dir = join(repoRoot, 'deploy/catalog');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as ObjectOf<KindName> | null;
      if (obj) await s.create(obj);
    }
  }
}

/**
 * The shared builders' objects in `ns`: Secret repo-secret (unless withSecret: false), Repository
 * repo, AppBinding db and BackupConfiguration pg over them, daily at 03:00 (the CronJob controller
 * of the test cluster must not start trigger Jobs meanwhile).
 */
async function createInvoker(ns: string, o: { withSecret?: boolean } = {}) {
  if (o.withSecret ?? true) await env.store.create(inNamespace(ns, secret()));
  await env.store.create(inNamespace(ns, repository()));
  await env.store.create(inNamespace(ns, appBinding()));
  const spec = { schedule: '0 3 * * *', task: { name: 'postgres-backup-15.1' } };
  return env.store.create(inNamespace(ns, backupConfiguration('pg', spec)));
}

const bcStatus = async (ns: string, name: string) =>
  (await env.store.get('BackupConfiguration', ns, name))?.status;

const conditionOf = (status: Awaited<ReturnType<typeof bcStatus>>, type: string) =>
  status?.conditions?.find((c) => c.type === type);

async function readyStatus(ns: string, name: string, timeoutMs = 60_000) {
  return eventually(
    `BackupConfiguration ${ns}/${name} Ready`,
    async () => {
      const s = await bcStatus(ns, name);
      return s?.phase === 'Ready' ? s : undefined;
    },
    timeoutMs,
  );
}

const cronJob = (ns: string, name: string) =>
  env.clients.batch.readNamespacedCronJob({ namespace: ns, name }).catch(() => undefined);

/** Reconcile observations in the operator's /metrics, for one kind (0 when the series is absent). */
function reconcileCount(metrics: string, kind: string): number {
  let n = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith('stowage_reconcile_duration_seconds_count{') && line.includes(`kind="${kind}"`))
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

// --- tests -----------------------------------------------------------------------------------

describe('stowage operator (one replica)', () => {
  let op: OperatorProcess;
  beforeAll(async () => {
    // An hour: longer than this describe runs, so every wake-up it sees comes from a watch or a requeue.
    op = await OperatorProcess.start(['--resync=1h']);
  });

  it('makes a BackupConfiguration Ready with all five conditions and its trigger CronJob, owned by it', async () => {
    const ns = await newNamespace(env.clients, 'op');
    const bc = await createInvoker(ns);
    const status = await readyStatus(ns, 'pg');
    for (const type of CONDITIONS) expect(conditionOf(status, type), type).toMatchObject({ status: 'True' });
    expect(status.observedGeneration).toBe(bc.metadata.generation);

    const cj = await cronJob(ns, 'stash-trigger-pg');
    expect(cj?.spec).toMatchObject({ schedule: '0 3 * * *', suspend: false });
    expect(cj?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'BackupConfiguration',
        name: 'pg',
        uid: bc.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('shows a missing backend Secret as NotReady, and becomes Ready on the requeue once it exists', async () => {
    const ns = await newNamespace(env.clients, 'op-nosecret');
    await createInvoker(ns, { withSecret: false });
    const notReady = await eventually('BackendSecretFound=False', async () => {
      const s = await bcStatus(ns, 'pg');
      return conditionOf(s, 'BackendSecretFound')?.status === 'False' ? s : undefined;
    });
    expect(notReady.phase).toBe('NotReady');
    expect(conditionOf(notReady, 'BackendSecretFound')).toMatchObject({
      reason: 'BackendSecretNotAvailable',
      message: `Backend Secret ${ns}/repo-secret does not exist.`,
    });
    expect(conditionOf(notReady, 'RepositoryFound')?.status).toBe('True');
    expect(conditionOf(notReady, 'CronJobCreated')).toBeUndefined();
    expect(await cronJob(ns, 'stash-trigger-pg')).toBeUndefined();

    // The operator does not watch Secrets and its resync is an hour away: only the controller's
    // requeue of a BackupConfiguration that waits for its Secret can notice this one.
    await env.store.create(inNamespace(ns, secret()));
    const ready = await readyStatus(ns, 'pg');
    expect(conditionOf(ready, 'BackendSecretFound')?.status).toBe('True');
    expect(await cronJob(ns, 'stash-trigger-pg')).toBeDefined();
  });

  it('suspends the CronJob while the BackupConfiguration is paused, and resumes it', async () => {
    const ns = await newNamespace(env.clients, 'op-pause');
    await createInvoker(ns);
    await readyStatus(ns, 'pg');
    const setPaused = async (paused: boolean) => {
      const cur = (await env.store.get('BackupConfiguration', ns, 'pg'))!;
      await env.store.update({ ...cur, spec: { ...cur.spec, paused } });
    };
    const suspendIs = (want: boolean) =>
      eventually(`CronJob suspend=${want}`, async () =>
        (await cronJob(ns, 'stash-trigger-pg'))?.spec?.suspend === want ? true : undefined,
      );
    await setPaused(true);
    await suspendIs(true);
    await setPaused(false);
    await suspendIs(false);
  });

  it('puts back a trigger CronJob that was deleted or edited, and lists the configuration in its Repository', async () => {
    const ns = await newNamespace(env.clients, 'op-drift');
    const bc = await createInvoker(ns);
    await readyStatus(ns, 'pg');
    // The BackupConfiguration's creation wakes its Repository, whose status.references lists it.
    await eventually('Repository status.references', async () => {
      const refs = (await env.store.get('Repository', ns, 'repo'))?.status?.references;
      return refs?.some((r) => r.kind === 'BackupConfiguration' && r.name === 'pg') ? true : undefined;
    });

    const first = (await cronJob(ns, 'stash-trigger-pg'))!;
    await env.clients.batch.deleteNamespacedCronJob({ namespace: ns, name: 'stash-trigger-pg' });
    const again = await eventually('the CronJob to be created again', async () => {
      const cj = await cronJob(ns, 'stash-trigger-pg');
      return cj && cj.metadata?.uid !== first.metadata?.uid ? cj : undefined;
    });
    expect(again.metadata?.ownerReferences?.[0]?.uid).toBe(bc.metadata.uid);

    await env.clients.batch.replaceNamespacedCronJob({
      namespace: ns,
      name: 'stash-trigger-pg',
      body: { ...again, spec: { ...again.spec, schedule: '* * * * *' } },
    });
    await eventually('the schedule to be put back', async () =>
      (await cronJob(ns, 'stash-trigger-pg'))?.spec?.schedule === '0 3 * * *' ? true : undefined,
    );
  });

  it('takes the CronJob away while the AppBinding is missing, and back when it returns', async () => {
    const ns = await newNamespace(env.clients, 'op-target');
    await createInvoker(ns);
    await readyStatus(ns, 'pg');
    await env.store.delete('AppBinding', ns, 'db');
    const status = await eventually('BackupTargetFound=False', async () => {
      const s = await bcStatus(ns, 'pg');
      return conditionOf(s, 'BackupTargetFound')?.status === 'False' ? s : undefined;
    });
    expect(conditionOf(status, 'BackupTargetFound')?.reason).toBe('TargetNotAvailable');
    await eventually('the CronJob to be removed', async () =>
      (await cronJob(ns, 'stash-trigger-pg')) === undefined ? true : undefined,
    );
    // (The phase stays Ready meanwhile: backupInvokerPhase does not look at BackupTargetFound, and
    // CronJobCreated keeps its True from before the CronJob was removed.)
    await env.store.create(inNamespace(ns, appBinding()));
    await eventually('the CronJob to be back', async () =>
      (await cronJob(ns, 'stash-trigger-pg')) !== undefined ? true : undefined,
    );
    await eventually('BackupTargetFound=True', async () =>
      conditionOf(await bcStatus(ns, 'pg'), 'BackupTargetFound')?.status === 'True' ? true : undefined,
    );
  });

  it('serves /healthz, /readyz once synced, and /metrics with the reconcile histogram', async () => {
    expect((await op.get('/healthz')).status).toBe(200);
    await eventually('/readyz 200', async () =>
      (await op.get('/readyz')).status === 200 ? true : undefined,
    );
    const metrics = (await op.get('/metrics')).body;
    expect(metrics).toContain('# TYPE stowage_reconcile_duration_seconds histogram');
    expect(metrics).toMatch(
      /stowage_reconcile_duration_seconds_bucket\{le="0\.1",kind="BackupConfiguration",result="success"\} \d+/,
    );
    expect(reconcileCount(metrics, 'BackupConfiguration')).toBeGreaterThan(0);
    expect(metrics).toContain('process_resident_memory_bytes');
    expect((await op.get('/nothing')).status).toBe(404);
  });

  it('exits 0 on SIGTERM once its running reconciles are done', async () => {
    // stop() escalates to SIGKILL after 15 s: an operator that hangs fails on the signal below.
    await op.stop('SIGTERM');
    expect(await op.exited).toEqual({ code: 0, signal: null });
    expect(
      op.logged('shutting down: finishing running reconciles; Jobs keep running in the cluster'),
    ).toHaveLength(1);
  });
});

describe('stowage operator --leader-elect (two replicas)', () => {
  const LEASE_NS = 'default';
  const LEASE = 'stowage-operator-it';
  let coordination: CoordinationV1Api;
  const readLease = () =>
    coordination.readNamespacedLease({ namespace: LEASE_NS, name: LEASE }).catch(() => undefined);
  const args = ['--leader-elect', `--lease-namespace=${LEASE_NS}`, `--lease-name=${LEASE}`];
  const identityOf = (op: OperatorProcess) => op.logged('became leader')[0]?.identity as string | undefined;

  let a: OperatorProcess;
  let b: OperatorProcess;
  let leader: OperatorProcess;
  let standby: OperatorProcess;

  beforeAll(async () => {
    coordination = env.clients.kubeConfig.makeApiClient(CoordinationV1Api);
    [a, b] = await Promise.all([OperatorProcess.start(args), OperatorProcess.start(args)]);
  });

  it('lets exactly one replica hold the Lease and reconcile', async () => {
    const lease = await eventually('a Lease holder', async () => {
      const l = await readLease();
      return l?.spec?.holderIdentity ? l : undefined;
    });
    await eventually('one replica to log "became leader"', () =>
      Promise.resolve(identityOf(a) || identityOf(b) ? true : undefined),
    );
    [leader, standby] = identityOf(a) ? [a, b] : [b, a];
    expect(identityOf(leader)).toBe(lease.spec?.holderIdentity);

    const ns = await newNamespace(env.clients, 'op-leader');
    await createInvoker(ns);
    await readyStatus(ns, 'pg');
    // Give the standby a few retry periods: it must still not lead, sync or reconcile.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(identityOf(standby)).toBeUndefined();
    expect(standby.logged('informers synced; reconciling')).toHaveLength(0);
    expect(leader.logged('informers synced; reconciling')).toHaveLength(1);
    expect(reconcileCount((await standby.get('/metrics')).body, 'BackupConfiguration')).toBe(0);
    expect(reconcileCount((await leader.get('/metrics')).body, 'BackupConfiguration')).toBeGreaterThan(0);
    // Alive but not doing the work: /healthz 200 (the chart's probes), /readyz 503.
    expect((await standby.get('/healthz')).status).toBe(200);
    expect((await standby.get('/readyz')).status).toBe(503);
    expect((await leader.get('/readyz')).status).toBe(200);
    expect((await readLease())?.spec?.holderIdentity).toBe(identityOf(leader));
  });

  it('hands the Lease over on SIGTERM: the standby takes it and reconciles', async () => {
    const before = (await readLease())?.spec;
    expect(before?.holderIdentity).toBe(identityOf(leader));
    await leader.stop('SIGTERM');
    expect(await leader.exited).toEqual({ code: 0, signal: null });
    expect(leader.logged('could not release the lease')).toHaveLength(0);
    // Released on the way out: the old leader's name is off the Lease, so nobody waits it out.
    expect((await readLease())?.spec?.holderIdentity).not.toBe(identityOf(leader));

    const after = await eventually('the standby to take the Lease', async () => {
      const spec = (await readLease())?.spec;
      const taken = identityOf(standby) !== undefined && spec?.holderIdentity === identityOf(standby);
      return taken ? spec : undefined;
    });
    // A new holder is a transition (client-go counts it, released Lease or not) with its own acquireTime.
    expect(after.leaseTransitions).toBe((before?.leaseTransitions ?? 0) + 1);
    expect(new Date(after.acquireTime!).getTime()).toBeGreaterThan(new Date(before!.acquireTime!).getTime());

    const ns = await newNamespace(env.clients, 'op-takeover');
    await createInvoker(ns);
    await readyStatus(ns, 'pg');
    expect(await cronJob(ns, 'stash-trigger-pg')).toBeDefined();
    expect(reconcileCount((await standby.get('/metrics')).body, 'BackupConfiguration')).toBeGreaterThan(0);
  });

  it('exits non-zero when it cannot renew the Lease (another holder took it)', async () => {
    // Renewals fail from the leader's point of view when someone else keeps the Lease: it steps
    // down once the renew deadline (10 s) has passed, and exits 1 so its Deployment restarts it.
    const intruder = 'intruder';
    const steal = async (): Promise<void> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const l = (await readLease()) as V1Lease;
        l.spec = {
          ...l.spec,
          holderIdentity: intruder,
          renewTime: new V1MicroTime(),
          leaseDurationSeconds: 60,
        };
        try {
          await coordination.replaceNamespacedLease({ namespace: LEASE_NS, name: LEASE, body: l });
          return;
        } catch {
          // the leader renewed in between: read again
        }
      }
      throw new Error('could not take the Lease');
    };
    await steal();
    const keep = setInterval(() => void steal().catch(() => undefined), 1_000);
    try {
      const { code } = await Promise.race([
        standby.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`still running:\n${standby.log()}`)), 30_000),
        ),
      ]);
      expect(code).toBe(1);
      expect(standby.logged('leadership lost: could not renew the lease')).toHaveLength(1);
    } finally {
      clearInterval(keep);
    }
    expect((await readLease())?.spec?.holderIdentity).toBe(intruder);
  });
});

describe('stowage operator readiness', () => {
  it('is not ready while it cannot list what it watches, and starts once it can', async () => {
    // An identity with no permissions at all: every list is refused (403).
    const ns = await newNamespace(env.clients, 'op-rbac');
    await env.clients.core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: 'operator' } },
    });
    const { status } = await env.clients.core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'operator',
      body: { spec: { expirationSeconds: 3600 } },
    });
    const kubeconfig = join(env.cluster.dataDir, `operator-${ns}.kubeconfig`);
    writeFileSync(
      kubeconfig,
      readFileSync(env.cluster.kubeconfigPath, 'utf8').replace(env.cluster.token, status?.token ?? ''),
      { mode: 0o600 },
    );
    const op = await OperatorProcess.start([], kubeconfig);
    await eventually('a refused list in the log', () =>
      Promise.resolve(op.logged('watch failed; restarting').length > 0 ? true : undefined),
    );
    expect((await op.get('/healthz')).status).toBe(200);
    expect((await op.get('/readyz')).status).toBe(503);
    expect(op.logged('informers synced; reconciling')).toHaveLength(0);

    await env.clients.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: `stowage-operator-${ns}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
      },
    });
    await eventually('/readyz 200 once the lists succeed', async () =>
      (await op.get('/readyz')).status === 200 ? true : undefined,
    );
    const target = await newNamespace(env.clients, 'op-rbac-bc');
    await createInvoker(target);
    await readyStatus(target, 'pg');
    await op.stop('SIGTERM');
    expect(await op.exited).toEqual({ code: 0, signal: null });
  });
});
