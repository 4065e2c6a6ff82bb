/**
 * Stowage on a real Kubernetes control plane, for the e2e tier: etcd + kube-apiserver +
 * kube-controller-manager (./kube-cluster.ts) with the CRDs and the Task/Function catalog
 * installed, the operator running as `stowage operator` under the ServiceAccount and RBAC the Helm
 * chart creates, and the process pod runner (./pod-runner.ts) standing in for the kubelet, so
 * CronJobs, Jobs and their pods run for real as local processes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import type { KindName, ObjectOf } from '../../src/api/index.ts';
import { parseManifests } from '../../src/api/manifests.ts';
import {
  loadKubeConfig,
  makeKubeClients,
  type KubeClients,
} from '../../src/runtime/kubernetes/kube-client.ts';
import { KubeStore } from '../../src/runtime/kubernetes/kube-store.ts';
import { installCrds } from '../integration/kubernetes/kube-support.ts';
import { kubectlStowageBin, repoRoot, stowageBin } from './bin.ts';
import { ChildLog } from './child-log.ts';
import { runCommand, type CommandResult } from './command.ts';
import { NAMESPACE as OPERATOR_NAMESPACE, RELEASE, renderChart } from './helm-chart.ts';
import { kubeconfigYaml, startKubeCluster, type KubeCluster } from './kube-cluster.ts';
import { startPodRunner, type PodRunner } from './pod-runner.ts';
import { postgresBinDir } from './postgres.ts';
import { freePort, startServer, type ServerProcess } from './process.ts';
import { StowageRuntime } from './runtime.ts';
import { toolPath } from './tools.ts';
import { WaitAborted, waitFor } from './wait.ts';

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

export interface KubeStowageOptions {
  name?: string;
  pushgatewayUrl?: string;
}

export class KubeStowage extends StowageRuntime {
  readonly runtime = 'kubernetes';
  readonly root: string;
  readonly cluster: KubeCluster;
  readonly clients: KubeClients;
  readonly store: KubeStore;
  readonly podRunner: PodRunner;
  readonly #operatorKubeconfig: string;
  readonly #o: KubeStowageOptions;
  readonly #log = new ChildLog('operator');
  #operator: ServerProcess | undefined;
  metricsPort = 0;

  private constructor(init: {
    root: string;
    cluster: KubeCluster;
    podRunner: PodRunner;
    operatorKubeconfig: string;
    options: KubeStowageOptions;
  }) {
    super();
    this.root = init.root;
    this.cluster = init.cluster;
    this.clients = makeKubeClients(loadKubeConfig(init.cluster.kubeconfigPath));
    this.store = new KubeStore({ clients: this.clients });
    this.podRunner = init.podRunner;
    this.#operatorKubeconfig = init.operatorKubeconfig;
    this.#o = init.options;
  }

  static async create(o: KubeStowageOptions = {}): Promise<KubeStowage> {
    const root = mkdtempSync(join(tmpdir(), `stowage-kube-${o.name ?? 'e2e'}-`));
    const cluster = await startKubeCluster();
    try {
      const clients = makeKubeClients(loadKubeConfig(cluster.kubeconfigPath));
      await installCrds(clients);
      // The garbage collector learns about new resource types on a 30 s cycle; restarting the
      // controller manager makes it see the CRDs (and collect sessions' Jobs) at once.
      await cluster.restartControllerManager();
      await installCatalog(new KubeStore({ clients }));
      const operatorKubeconfig = await installOperatorIdentity(cluster, clients, root);
      const [restic, pgBin] = await Promise.all([toolPath('restic'), postgresBinDir()]);
      const podRunner = await startPodRunner({
        kubeconfigPath: cluster.kubeconfigPath,
        server: cluster.server,
        caFile: cluster.caFile,
        workRoot: join(root, 'node'),
        env: {
          PATH: `${pgBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          HOME: join(root, 'home'),
          STOWAGE_RESTIC: restic,
          STOWAGE_NODE: process.execPath,
          STOWAGE_LOG_FORMAT: 'json',
          ...(o.pushgatewayUrl ? { STOWAGE_PUSHGATEWAY_URL: o.pushgatewayUrl } : {}),
        },
      });
      return new KubeStowage({ root, cluster, podRunner, operatorKubeconfig, options: o });
    } catch (e) {
      await cluster.stop();
      throw e;
    }
  }

  get operatorPid(): number | undefined {
    return this.#operator?.child.pid;
  }

  /** Starts `stowage operator` (as the chart's ServiceAccount) and waits until its informers synced. */
  async start(extraArgs: readonly string[] = []): Promise<void> {
    if (this.#operator?.running()) throw new Error('operator already running');
    this.metricsPort = await freePort();
    const operator = startServer(
      'operator',
      stowageBin,
      ['operator', `--listen=127.0.0.1:${this.metricsPort}`, '--resync=10s', ...extraArgs],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? this.root,
          STOWAGE_NODE: process.execPath,
          KUBECONFIG: this.#operatorKubeconfig,
          STOWAGE_LOG_FORMAT: 'json',
          ...(this.#o.pushgatewayUrl ? { STOWAGE_PUSHGATEWAY_URL: this.#o.pushgatewayUrl } : {}),
        },
      },
    );
    this.#operator = operator;
    this.#log.follow(operator.child);
    await waitFor(
      'the operator to sync its informers',
      async () => {
        const { exitCode, signalCode } = operator.child;
        if (!operator.running()) throw new WaitAborted(`operator exited (${exitCode ?? signalCode})`);
        const r = await fetch(`http://127.0.0.1:${this.metricsPort}/readyz`).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, diagnostics: () => this.operatorLogTail() },
    );
  }

  async stop(): Promise<void> {
    await this.#operator?.stop();
  }

  /** SIGKILL (a crash): Jobs keep running in the cluster. */
  async kill(): Promise<void> {
    await this.#operator?.kill();
  }

  operatorLogTail(lines = 60): string {
    return this.#log.tail(lines);
  }

  /** Creates namespaces as needed, then creates (or replaces the spec of) each object, in order. */
  async apply(objects: readonly object[]): Promise<void> {
    for (const raw of objects) {
      const obj = raw as ObjectOf<KindName>;
      const ns = obj.metadata.namespace;
      if (ns) await this.ensureNamespace(ns);
      const existing = await this.store.get(obj.kind, ns ?? '', obj.metadata.name ?? '');
      if (!existing) await this.store.create(obj);
      else
        await this.store.update({
          ...obj,
          metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion },
        } as ObjectOf<KindName>);
    }
  }

  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.clients.core.createNamespace({ body: { metadata: { name } } });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
  }

  /** `kubectl stowage <args>` with the admin kubeconfig (the plugin binary, as kubectl would run it). */
  async cli(args: readonly string[]): Promise<CommandResult> {
    return runCommand(kubectlStowageBin, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? this.root,
        STOWAGE_NODE: process.execPath,
        KUBECONFIG: this.cluster.kubeconfigPath,
        STOWAGE_RESTIC: await toolPath('restic'),
      },
    });
  }

  /** The logs of the pods named after the object (the tail of each container) and the operator's. */
  protected async explain(_kind: KindName, namespace: string, name: string): Promise<string[]> {
    const pods = await this.clients.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
    const podLogs = pods.items
      .filter((p) => (p.metadata?.name ?? '').includes(name))
      .flatMap((p) =>
        [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map(
          (c) =>
            `--- pod ${p.metadata?.name} container ${c.name} (${p.status?.phase}):\n` +
            this.podRunner
              .logs(namespace, p.metadata?.name ?? '', c.name)
              .split('\n')
              .slice(-30)
              .join('\n'),
        ),
      );
    return [...podLogs, `operator log:\n${this.operatorLogTail(30)}`];
  }

  async cleanup(): Promise<void> {
    await this.stop().catch(() => undefined);
    await this.podRunner.stop().catch(() => undefined);
    await this.cluster.stop();
    if (!process.env.STOWAGE_E2E_KEEP) rmSync(this.root, { recursive: true, force: true });
  }
}

/** The Task/Function catalog, as `helm install` (catalog.enabled) or `stowage serve` would install it. */
async function installCatalog(store: KubeStore): Promise<void> {
  const dir = join(repoRoot, 'deploy/catalog');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const { objects, errors } = parseManifests(await readFile(join(dir, file), 'utf8'), file);
    if (errors.length) throw new Error(`catalog ${file}: ${errors.map((e) => e.message).join('; ')}`);
    for (const { object } of objects) await store.create(object);
  }
}

/**
 * The operator's identity exactly as the chart creates it (ServiceAccount, ClusterRole and binding,
 * leader-election Role), and a kubeconfig with a token of that ServiceAccount: the operator runs
 * with the chart's RBAC, so a missing permission fails the e2e tests.
 */
async function installOperatorIdentity(
  cluster: KubeCluster,
  clients: KubeClients,
  root: string,
): Promise<string> {
  await clients.core.createNamespace({ body: { metadata: { name: OPERATOR_NAMESPACE } } });
  const api = KubernetesObjectApi.makeApiClient(clients.kubeConfig);
  for (const o of await renderChart(['--set', 'catalog.enabled=false'])) {
    if (!RBAC_KINDS.includes(o.kind)) continue;
    await api.create(o as KubernetesObject);
  }
  const token = await clients.core.createNamespacedServiceAccountToken({
    namespace: OPERATOR_NAMESPACE,
    name: RELEASE,
    body: { spec: { expirationSeconds: 24 * 3600, audiences: [] } },
  });
  const file = join(root, 'operator.kubeconfig');
  writeFileSync(file, kubeconfigYaml(cluster.server, cluster.caFile, token.status?.token ?? ''), {
    mode: 0o600,
  });
  return file;
}
