/**
 * Stowage on a real Kubernetes control plane, for the e2e tier: etcd + kube-apiserver +
 * kube-controller-manager (./kube-cluster.ts) with the CRDs and the Task/Function catalog
 * installed, the operator running as `stowage operator` under the ServiceAccount and RBAC the Helm
 * chart creates, and the process pod runner (./pod-runner.ts) standing in for the kubelet, so
 * CronJobs, Jobs and their pods run for real as local processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
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
import { NAMESPACE as OPERATOR_NAMESPACE, RELEASE, renderChart } from './helm-chart.ts';
import { kubeconfigYaml, startKubeCluster, type KubeCluster } from './kube-cluster.ts';
import { startPodRunner, type PodRunner } from './pod-runner.ts';
import { postgresBinDir } from './postgres.ts';
import { freePort } from './process.ts';
import { repoRoot, stowageBin, waitFor, type CommandResult } from './stowage.ts';
import { toolPath } from './tools.ts';

const FINAL = ['Succeeded', 'Failed', 'Skipped', 'Unknown'];
const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

export interface KubeStowageOptions {
  name?: string;
  pushgatewayUrl?: string;
}

type Session = ObjectOf<'BackupSession'> | ObjectOf<'RestoreSession'>;

export class KubeStowage {
  readonly root: string;
  readonly cluster: KubeCluster;
  readonly clients: KubeClients;
  readonly store: KubeStore;
  readonly podRunner: PodRunner;
  readonly #operatorKubeconfig: string;
  readonly #o: KubeStowageOptions;
  #operator: ChildProcess | undefined;
  #operatorLog = '';
  #operatorGeneration = 0;
  metricsPort = 0;

  private constructor(init: {
    root: string;
    cluster: KubeCluster;
    podRunner: PodRunner;
    operatorKubeconfig: string;
    options: KubeStowageOptions;
  }) {
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
    return this.#operator?.pid;
  }

  /** Starts `stowage operator` (as the chart's ServiceAccount) and waits until its informers synced. */
  async startOperator(extraArgs: readonly string[] = []): Promise<void> {
    if (this.#operator && this.#operator.exitCode === null && this.#operator.signalCode === null)
      throw new Error('operator already running');
    const generation = ++this.#operatorGeneration;
    this.metricsPort = await freePort();
    const child = spawn(
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
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#operator = child;
    const collect = (chunk: Buffer) => {
      this.#operatorLog += chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => `[operator#${generation}] ${l}\n`)
        .join('');
      if (this.#operatorLog.length > 4_000_000) this.#operatorLog = this.#operatorLog.slice(-2_000_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    await waitFor(
      'the operator to sync its informers',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `operator exited (${child.exitCode ?? child.signalCode}):\n${this.operatorLogTail()}`,
          );
        const r = await fetch(`http://127.0.0.1:${this.metricsPort}/readyz`).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, diagnostics: () => this.operatorLogTail() },
    );
  }

  async stopOperator(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.#operator;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
    return child.exitCode;
  }

  /** SIGKILL (a crash): Jobs keep running in the cluster. */
  async killOperator(): Promise<void> {
    await this.stopOperator('SIGKILL');
  }

  operatorLogTail(lines = 60): string {
    return this.#operatorLog.split('\n').slice(-lines).join('\n');
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

  get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    return this.store.get(kind, namespace, name);
  }

  async waitForPhase<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    phases: readonly string[],
    timeoutMs = 120_000,
  ): Promise<ObjectOf<K>> {
    return waitFor(
      `${kind} ${namespace}/${name} to reach ${phases.join('|')}`,
      async () => {
        const o = await this.get(kind, namespace, name);
        const phase = (o as { status?: { phase?: string } } | undefined)?.status?.phase;
        return o && phase && phases.includes(phase) ? o : undefined;
      },
      { timeoutMs, intervalMs: 500, diagnostics: () => this.#lastDiagnostics },
    );
  }

  waitForFinal<K extends 'BackupSession' | 'RestoreSession'>(
    kind: K,
    namespace: string,
    name: string,
    timeoutMs = 180_000,
  ): Promise<ObjectOf<K>> {
    return this.waitForPhase(kind, namespace, name, FINAL, timeoutMs);
  }

  /** BackupSessions of an invoker, newest first. */
  async backupSessions(namespace: string, bc: string): Promise<ObjectOf<'BackupSession'>[]> {
    const all = await this.store.list('BackupSession', { namespace });
    return all
      .filter((s) => s.spec.invoker?.name === bc)
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  }

  /** `kubectl stowage <args>` with the admin kubeconfig (the plugin binary, as kubectl would run it). */
  async kubectlStowage(args: readonly string[]): Promise<CommandResult> {
    const child = spawn(join(repoRoot, 'bin/kubectl-stowage'), [...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? this.root,
        STOWAGE_NODE: process.execPath,
        KUBECONFIG: this.cluster.kubeconfigPath,
        STOWAGE_RESTIC: await toolPath('restic'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code: code ?? -1, stdout, stderr };
  }

  /** `kubectl stowage trigger <bc> -n <ns>`: the name of the BackupSession it created. */
  async trigger(namespace: string, bc: string): Promise<string> {
    const r = await this.kubectlStowage(['trigger', bc, '-n', namespace]);
    const m = /backupsession\/(\S+) created/.exec(r.stdout + r.stderr);
    if (r.code !== 0 || !m)
      throw new Error(`kubectl stowage trigger ${bc} failed (${r.code}): ${r.stdout}${r.stderr}`);
    return m[1]!;
  }

  #lastDiagnostics = '';

  /** Status, events, the session's pod logs and the operator's log tail, for assertion messages. */
  async diagnostics(kind: KindName, namespace: string, name: string): Promise<string> {
    const o = await this.get(kind, namespace, name).catch(() => undefined);
    const events = await this.store.listEvents({ kind, namespace, name }).catch(() => []);
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
    this.#lastDiagnostics = [
      `${kind} ${namespace}/${name}: ${JSON.stringify((o as { status?: unknown } | undefined)?.status, null, 1)}`,
      `events: ${events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join(' | ')}`,
      ...podLogs,
      `operator log:\n${this.operatorLogTail(30)}`,
    ].join('\n');
    return this.#lastDiagnostics;
  }

  async cleanup(): Promise<void> {
    await this.stopOperator().catch(() => undefined);
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

export function isFinalSession(s: Session | undefined): boolean {
  return FINAL.includes(s?.status?.phase ?? '');
}
