/**
 * `make bench-operator`: the Kubernetes operator under many BackupConfigurations at once.
 *
 * 1. Starts the test control plane (test/harness/kube-cluster.ts: etcd, kube-apiserver,
 *    kube-controller-manager on this machine), installs the CRDs and the Task/Function catalog,
 *    and creates the namespaces.
 * 2. Starts `bin/stowage operator` as a child process (the real CLI, defaults unless
 *    STOWAGE_BENCH_OPERATOR_ARGS says otherwise) and waits for /readyz.
 * 3. Creates N BackupConfigurations, each with its backend Secret, Repository and AppBinding,
 *    spread over the namespaces, with bounded concurrency (creation time is recorded apart).
 * 4. Watches BackupConfigurations and CronJobs (informers in this process) until every
 *    configuration is phase Ready and its `stash-trigger-<name>` CronJob exists: seconds from the
 *    first create. The operator's peak RSS is its VmHWM (/proc/<pid>/status) at the end.
 * 5. Reads the operator's /metrics (reconcile histogram: p99 interpolated inside its bucket, as
 *    PromQL's histogram_quantile does) and the API server's /metrics (requests by verb and
 *    resource, latency, CPU); then stays one resync period to measure the cost at rest.
 * 6. Stops it with SIGTERM (seconds to exit). Then the leader handover: two `--leader-elect`
 *    replicas over the same objects; the leader gets SIGTERM, and the seconds until the standby
 *    answers /readyz (it holds the Lease and its informers are synced) are the gap a rolling
 *    update leaves in reconciling. (test/integration/kubernetes/operator.test.ts asserts that the
 *    handover happens; how long it takes is measured here.)
 * Writes bench/results/operator-scale.json and the operator section of docs/benchmarks.md.
 *
 * Knobs (env): STOWAGE_BENCH_CONFIGS (1000), STOWAGE_BENCH_NAMESPACES (10),
 * STOWAGE_BENCH_CREATE_CONCURRENCY (32), STOWAGE_BENCH_OPERATOR_ARGS (extra operator flags, e.g.
 * "--concurrency=16"), STOWAGE_BENCH_STEADY_SECONDS (65; 0 skips the at-rest window),
 * STOWAGE_BENCH_TIMEOUT_SECONDS (600), STOWAGE_BENCH_OUT (another JSON file),
 * STOWAGE_BENCH_NO_DOCS=1 (leave docs/benchmarks.md alone), STOWAGE_BENCH_KEEP=1 (keep the
 * operator logs), STOWAGE_BENCH_HANDOVER=0 (skip the leader handover).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { request } from 'node:https';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CustomObjectsApi,
  makeInformer,
  VersionApi,
  type KubernetesObject,
  type V1CronJob,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kinds, type KindName } from '../src/api/index.ts';
import { loadKubeConfig, makeKubeClients, type KubeClients } from '../src/runtime/kubernetes/kube-client.ts';
import { shareConnections } from '../src/runtime/kubernetes/operator.ts';
import { startKubeCluster, type KubeCluster } from '../test/harness/kube-cluster.ts';
import { freePort } from '../test/harness/process.ts';
import { pinnedVersions } from '../test/harness/tools.ts';
import { installCrds } from '../test/integration/kubernetes/kube-support.ts';
import {
  renderMarkdown,
  renderTable,
  writeOperatorSection,
  type OperatorBenchResult,
} from './lib/operator-report.ts';
import {
  bucketsOf,
  deltaOf,
  histogramQuantile,
  parsePromText,
  sumBy,
  sumOf,
  type Sample,
} from './lib/prom-text.ts';

const root = resolve(import.meta.dirname, '..');
/** The operator runs as `<this> operator …`: bin/stowage unless STOWAGE_BENCH_OPERATOR_BIN says otherwise. */
const stowageBin = process.env.STOWAGE_BENCH_OPERATOR_BIN ?? join(root, 'bin/stowage');
const num = (name: string, dflt: number) => {
  const raw = process.env[name];
  const v = Number(raw);
  return raw && Number.isFinite(v) && v >= 0 ? v : dflt;
};
const CONFIGS = Math.max(1, Math.round(num('STOWAGE_BENCH_CONFIGS', 1000)));
const NAMESPACES = Math.max(1, Math.round(num('STOWAGE_BENCH_NAMESPACES', 10)));
const CREATE_CONCURRENCY = Math.max(1, Math.round(num('STOWAGE_BENCH_CREATE_CONCURRENCY', 32)));
const STEADY_SECONDS = num('STOWAGE_BENCH_STEADY_SECONDS', 65);
const TIMEOUT_MS = num('STOWAGE_BENCH_TIMEOUT_SECONDS', 600) * 1000;
const OPERATOR_ARGS = (process.env.STOWAGE_BENCH_OPERATOR_ARGS ?? '').split(/\s+/).filter(Boolean);
/** e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the operator (written when it exits). */
const OPERATOR_NODE_OPTIONS = process.env.STOWAGE_BENCH_OPERATOR_NODE_OPTIONS;
const OUT = process.env.STOWAGE_BENCH_OUT ?? 'bench/results/operator-scale.json';
const HANDOVER = process.env.STOWAGE_BENCH_HANDOVER !== '0';
const GOALS = { seconds_to_all_ready: 60, operator_rss_mb: 200 };
const OBJECTS = ['Secret', 'Repository', 'AppBinding', 'BackupConfiguration'];

const t0 = Date.now();
const say = (msg: string) =>
  process.stdout.write(`[${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${msg}\n`);
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A sleep that does not keep the process alive (for the losing side of a race). */
const unrefSleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

// ---------------------------------------------------------------- objects

const nsName = (i: number) => `bench-${i}`;
const bcName = (i: number) => `db-${String(i).padStart(4, '0')}`;

function invokerObjects(i: number): Array<{ kind: KindName; body: Record<string, unknown> }> {
  const namespace = nsName(i % NAMESPACES);
  const name = bcName(i);
  return [
    {
      kind: 'Secret',
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-repo`, namespace },
        stringData: { RESTIC_PASSWORD: `password-${i}` },
      },
    },
    {
      kind: 'Repository',
      body: {
        apiVersion: 'stash.appscode.com/v1alpha1',
        kind: 'Repository',
        metadata: { name, namespace },
        spec: {
          backend: {
            s3: { endpoint: 'http://minio.storage:9000', bucket: 'backups', prefix: `${namespace}/${name}` },
            storageSecretName: `${name}-repo`,
          },
        },
      },
    },
    {
      kind: 'AppBinding',
      body: {
        apiVersion: 'appcatalog.appscode.com/v1alpha1',
        kind: 'AppBinding',
        metadata: { name, namespace },
        spec: {
          type: 'kubedb.com/postgres',
          version: '15.1',
          clientConfig: { url: `postgres://${name}.${namespace}.svc:5432/postgres?sslmode=disable` },
          secret: { name: `${name}-auth` },
        },
      },
    },
    {
      kind: 'BackupConfiguration',
      body: {
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'BackupConfiguration',
        metadata: { name, namespace },
        spec: {
          schedule: `${i % 60} ${i % 24} * * *`,
          task: { name: 'postgres-backup-15.1' },
          repository: { name },
          target: { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name } },
          retentionPolicy: { name: 'keep-last-7', keepLast: 7, prune: true },
        },
      },
    },
  ];
}

async function createObject(c: KubeClients, kind: KindName, body: Record<string, unknown>): Promise<void> {
  const namespace = (body.metadata as { namespace?: string }).namespace ?? '';
  if (kind === 'Secret') {
    await c.core.createNamespacedSecret({ namespace, body });
    return;
  }
  const info = kinds[kind];
  const g = { group: info.group, version: info.version, plural: info.plural, body };
  if (info.scope === 'Cluster') await c.custom.createClusterCustomObject(g);
  else await c.custom.createNamespacedCustomObject({ ...g, namespace });
}

async function applyCatalog(c: KubeClients): Promise<number> {
  const dir = join(root, 'deploy/catalog');
  let n = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as { kind: KindName } | null;
      if (!obj) continue;
      await createObject(c, obj.kind, obj as unknown as Record<string, unknown>);
      n++;
    }
  }
  return n;
}

/** `items` through `worker`, at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await worker(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------- the operator process

interface ProcStat {
  rssKb: number;
  hwmKb: number;
  cpuSeconds: number;
}

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function procStat(pid: number): ProcStat | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[] starts at field 3.
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS;
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM'), cpuSeconds };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of every process below this one, summed by program name. */
function cpuByProgram(): Record<string, number> {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: Record<string, number> = { bench: procStat(process.pid)?.cpuSeconds ?? 0 };
  const queue = [...(byParent.get(process.pid) ?? [])];
  while (queue.length) {
    const pid = queue.pop()!;
    queue.push(...(byParent.get(pid) ?? []));
    const cpu = procStat(pid)?.cpuSeconds;
    if (cpu === undefined) continue;
    let name = '?';
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      name = (argv[0] ?? '').split('/').pop() ?? '?';
      if (name === 'node' && argv.some((a) => a.endsWith('src/cli/main.ts'))) name = 'operator';
    } catch {
      // gone meanwhile
    }
    out[name] = (out[name] ?? 0) + cpu;
  }
  return out;
}

async function httpText(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** GET `path` of the API server with the cluster's token (its /metrics needs system:masters). */
function apiServerGet(cluster: KubeCluster, path: string): Promise<string> {
  const url = new URL(path, cluster.server);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { authorization: `Bearer ${cluster.token}` },
        ca: readFileSync(cluster.caFile),
        timeout: 30_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolvePromise(body) : reject(new Error(`GET ${path}: ${res.statusCode}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const apiMetrics = async (cluster: KubeCluster): Promise<Sample[]> =>
  parsePromText(await apiServerGet(cluster, '/metrics'));

/** Requests by "VERB resource[/subresource]", WATCH and the long-running ones left out. */
function requestsByVerbResource(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== 'apiserver_request_total' || s.value <= 0) continue;
    const verb = s.labels.verb ?? '';
    if (verb === 'WATCH' || verb === 'CONNECT') continue;
    const resource = s.labels.resource ?? '';
    if (!resource) continue;
    const key = `${verb} ${resource}${s.labels.subresource ? `/${s.labels.subresource}` : ''}`;
    out[key] = (out[key] ?? 0) + s.value;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

function conflictsOnCreate(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== 'apiserver_request_total' || s.labels.verb !== 'POST' || s.labels.code !== '409') continue;
    if (s.value > 0) out[s.labels.resource ?? ''] = (out[s.labels.resource ?? ''] ?? 0) + s.value;
  }
  return out;
}

function meanLatencyByVerb(samples: Sample[]): Record<string, number> {
  const sums = sumBy(samples, 'apiserver_request_duration_seconds_sum', ['verb']);
  const counts = sumBy(samples, 'apiserver_request_duration_seconds_count', ['verb']);
  const out: Record<string, number> = {};
  for (const [verb, sum] of sums) {
    const n = counts.get(verb) ?? 0;
    if (n > 0 && verb !== 'WATCH' && verb !== 'CONNECT') out[verb] = round((sum / n) * 1000, 1);
  }
  return out;
}

const requestTotal = (byVerbResource: Record<string, number>) =>
  Object.values(byVerbResource).reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------- main

// ---------------------------------------------------------------- the operator process

interface OperatorChild {
  child: ChildProcess;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** http://127.0.0.1:<port> (/readyz, /metrics). */
  base: string;
  log: WriteStream;
  kill: () => Promise<void>;
}

/** `<stowageBin> operator --listen=… <args>` on the cluster, its JSON log appended to `logFile`. */
async function startOperator(cluster: KubeCluster, args: string[], logFile: string): Promise<OperatorChild> {
  const port = await freePort();
  const log = createWriteStream(logFile);
  const child = spawn(stowageBin, ['operator', `--listen=127.0.0.1:${port}`, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: cluster.kubeconfigPath,
      STOWAGE_LOG_FORMAT: 'json',
      STOWAGE_LOG_LEVEL: 'info',
      ...(OPERATOR_NODE_OPTIONS ? { NODE_OPTIONS: OPERATOR_NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { child, exited, base: `http://127.0.0.1:${port}`, log, kill };
}

const readyz = async (op: OperatorChild) =>
  (await httpText(`${op.base}/readyz`).catch(() => ({ status: 0 }))).status;

/** Until /readyz answers 200 (a minute at most). */
async function waitReady(op: OperatorChild, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await readyz(op)) !== 200) {
    if (op.child.exitCode !== null)
      throw new Error(`operator exited ${op.child.exitCode}; log in ${logFile}`);
    if (Date.now() > deadline) throw new Error(`operator not ready in 60 s; log in ${logFile}`);
    await sleep(200);
  }
}

/**
 * Two --leader-elect replicas: once one is ready (the leader; the standby answers 503), SIGTERM
 * to it, and the seconds until it exits and until the standby is ready.
 */
async function measureLeaderHandover(
  cluster: KubeCluster,
  work: string,
  stops: Array<() => Promise<void>>,
): Promise<{
  leader_exit_code: number | null;
  leader_exit_seconds: number;
  seconds_to_standby_ready: number;
}> {
  const args = ['--leader-elect', '--lease-namespace=default', '--lease-name=stowage-bench-handover'];
  const logs = ['replica-a.log', 'replica-b.log'].map((f) => join(work, f));
  const replicas = await Promise.all(logs.map((f) => startOperator(cluster, args, f)));
  stops.push(...replicas.map((r) => r.kill));
  const deadline = Date.now() + 120_000;
  let leader: OperatorChild | undefined;
  while (!leader) {
    if (Date.now() > deadline) throw new Error(`no replica became ready in 120 s; logs in ${work}`);
    const states = await Promise.all(replicas.map(readyz));
    leader = replicas[states.indexOf(200)];
    if (!leader) await sleep(200);
  }
  const standby = replicas.find((r) => r !== leader)!;
  say('leader handover: one replica leads; SIGTERM to it');
  const sigterm = Date.now();
  leader.child.kill('SIGTERM');
  const [code] = await leader.exited;
  const exitSeconds = (Date.now() - sigterm) / 1000;
  await waitReady(standby, logs[replicas.indexOf(standby)]!);
  const readySeconds = (Date.now() - sigterm) / 1000;
  standby.child.kill('SIGTERM');
  await standby.exited;
  for (const r of replicas) r.log.end();
  return {
    leader_exit_code: code,
    leader_exit_seconds: round(exitSeconds),
    seconds_to_standby_ready: round(readySeconds),
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const loadStart = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'stowage-bench-operator-'));
  say(`${CONFIGS} BackupConfigurations in ${NAMESPACES} namespaces; work folder ${work}`);
  const cluster = await startKubeCluster();
  let code = 1;
  const stops: Array<() => Promise<void>> = [];
  try {
    const kubeConfig = loadKubeConfig(cluster.kubeconfigPath);
    // Pooled connections for the bench's own requests too, as client-go or kubectl would use.
    shareConnections(kubeConfig);
    const clients = makeKubeClients(kubeConfig);
    await installCrds(clients);
    // The garbage collector learns about new CRDs on a 30 s cycle; a restart makes it watch them now.
    await cluster.restartControllerManager();
    const catalog = await applyCatalog(clients);
    for (let n = 0; n < NAMESPACES; n++)
      await clients.core.createNamespace({ body: { metadata: { name: nsName(n) } } });
    say(`control plane up (${cluster.server}); CRDs, ${catalog} catalog objects, ${NAMESPACES} namespaces`);

    // --- the operator, as `stowage operator`
    const logFile = join(work, 'operator.log');
    const operator = await startOperator(cluster, OPERATOR_ARGS, logFile);
    stops.push(operator.kill);
    const { child, exited, base, log } = operator;
    const pid = child.pid!;
    await waitReady(operator, logFile);
    say(`operator pid ${pid} ready on ${base} (${OPERATOR_ARGS.join(' ') || 'default flags'})`);

    // --- watch for "Ready and its CronJob exists", in this process
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const bcInfo = kinds.BackupConfiguration;
    const readyAt = new Map<string, number>();
    const phase = new Map<string, string>();
    const cronJobs = new Set<string>();
    let allReady: () => void = () => undefined;
    const allReadyP = new Promise<void>((r) => (allReady = r));
    let createStart = 0;
    const check = (key: string) => {
      if (readyAt.has(key) || phase.get(key) !== 'Ready') return;
      const [ns, name] = key.split('/');
      if (!cronJobs.has(`${ns}/stash-trigger-${name}`)) return;
      readyAt.set(key, Date.now() - createStart);
      if (readyAt.size === CONFIGS) allReady();
    };
    const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
    const bcWatch = makeInformer(
      kubeConfig,
      `/apis/${bcInfo.group}/${bcInfo.version}/${bcInfo.plural}`,
      async () =>
        (await custom.listCustomObjectForAllNamespaces({
          group: bcInfo.group,
          version: bcInfo.version,
          resourcePlural: bcInfo.plural,
        })) as { items: KubernetesObject[] },
    );
    const onBc = (o: KubernetesObject) => {
      phase.set(keyOf(o), (o as { status?: { phase?: string } }).status?.phase ?? '');
      check(keyOf(o));
    };
    bcWatch.on('add', onBc);
    bcWatch.on('update', onBc);
    const cjWatch = makeInformer<V1CronJob>(kubeConfig, '/apis/batch/v1/cronjobs', () =>
      clients.batch.listCronJobForAllNamespaces(),
    );
    const onCj = (o: V1CronJob) => {
      cronJobs.add(keyOf(o));
      const name = o.metadata?.name ?? '';
      if (name.startsWith('stash-trigger-'))
        check(`${o.metadata?.namespace}/${name.slice('stash-trigger-'.length)}`);
    };
    cjWatch.on('add', onCj);
    cjWatch.on('update', onCj);
    await Promise.all([bcWatch.start(), cjWatch.start()]);
    stops.push(async () => {
      await bcWatch.stop();
      await cjWatch.stop();
    });

    // --- create, with the clock running
    const apiBefore = await apiMetrics(cluster);
    const opBefore = procStat(pid)!;
    const cpuBefore = cpuByProgram();
    createStart = Date.now();
    await pool(
      Array.from({ length: CONFIGS }, (_, i) => i),
      CREATE_CONCURRENCY,
      async (i) => {
        for (const { kind, body } of invokerObjects(i)) await createObject(clients, kind, body);
      },
    );
    const createSeconds = (Date.now() - createStart) / 1000;
    say(
      `created ${CONFIGS * OBJECTS.length} objects in ${createSeconds.toFixed(1)} s; ${readyAt.size} Ready so far`,
    );

    const progress = setInterval(() => say(`${readyAt.size}/${CONFIGS} Ready`), 10_000);
    const timedOut = await Promise.race([
      allReadyP.then(() => false),
      unrefSleep(TIMEOUT_MS).then(() => true),
    ]);
    clearInterval(progress);
    const readySeconds = (Date.now() - createStart) / 1000;
    if (timedOut)
      throw new Error(
        `only ${readyAt.size}/${CONFIGS} Ready after ${TIMEOUT_MS / 1000} s; log in ${logFile}`,
      );
    const allReadySeconds = Math.max(...readyAt.values()) / 1000;
    const opAtReady = procStat(pid)!;
    const cpuAtReady = cpuByProgram();
    const apiAtReady = await apiMetrics(cluster);
    const opMetricsAtReady = parsePromText((await httpText(`${base}/metrics`)).body);
    say(
      `all ${CONFIGS} Ready after ${allReadySeconds.toFixed(1)} s (noticed at ${readySeconds.toFixed(1)} s)`,
    );

    // --- one resync period at rest
    let steady: OperatorBenchResult['steady_state'] = null;
    if (STEADY_SECONDS > 0) {
      say(`staying ${STEADY_SECONDS} s at rest`);
      await sleep(STEADY_SECONDS * 1000);
      const apiAfter = await apiMetrics(cluster);
      const opAfter = procStat(pid)!;
      const opMetricsAfter = parsePromText((await httpText(`${base}/metrics`)).body);
      const byVR = requestsByVerbResource(deltaOf(apiAtReady, apiAfter));
      steady = {
        seconds: STEADY_SECONDS,
        requests: requestTotal(byVR),
        by_verb_resource: byVR,
        operator_cpu_seconds: round(opAfter.cpuSeconds - opAtReady.cpuSeconds),
        operator_reconciles:
          sumOf(opMetricsAfter, 'stowage_reconcile_duration_seconds_count') -
          sumOf(opMetricsAtReady, 'stowage_reconcile_duration_seconds_count'),
      };
    }
    const hwmKb = procStat(pid)?.hwmKb ?? 0;

    // --- stop the operator: SIGTERM, as Kubernetes does
    const stopStart = Date.now();
    child.kill('SIGTERM');
    const [exitCode] = await Promise.race([exited, unrefSleep(30_000).then(() => [null, null] as const)]);
    const exitSeconds = (Date.now() - stopStart) / 1000;
    log.end();
    const logText = readFileSync(logFile, 'utf8');
    const handover = HANDOVER ? await measureLeaderHandover(cluster, work, stops) : null;
    const levels = logText
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return (JSON.parse(l) as { level?: number }).level ?? 0;
        } catch {
          return 0;
        }
      });

    // --- results
    const where = { kind: 'BackupConfiguration' };
    const bcBuckets = bucketsOf(opMetricsAtReady, 'stowage_reconcile_duration_seconds', where);
    const bcCount = sumOf(opMetricsAtReady, 'stowage_reconcile_duration_seconds_count', where);
    const bcSum = sumOf(opMetricsAtReady, 'stowage_reconcile_duration_seconds_sum', where);
    const reconciles: Record<string, { success: number; error: number }> = {};
    for (const [key, n] of sumBy(opMetricsAtReady, 'stowage_reconcile_duration_seconds_count', [
      'kind',
      'result',
    ])) {
      const [kind = '', result = ''] = key.split(' ');
      reconciles[kind] ??= { success: 0, error: 0 };
      if (result === 'success' || result === 'error') reconciles[kind][result] += n;
    }
    const window = deltaOf(apiBefore, apiAtReady);
    const byVerbResource = requestsByVerbResource(window);
    const sorted = [...readyAt.values()].sort((a, b) => a - b);
    const at = (q: number) =>
      round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! / 1000, 1);
    const kubeVersion = (await kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
    const pinned = await pinnedVersions();
    const result: OperatorBenchResult = {
      benchmark: 'operator-scale',
      date: new Date().toISOString(),
      command: 'node --disable-warning=ExperimentalWarning bench/operator-scale.ts',
      configs: CONFIGS,
      seconds_to_all_ready: round(allReadySeconds, 1),
      operator_rss_mb: round(hwmKb / 1024, 1),
      reconcile_p99_ms: round(histogramQuantile(0.99, bcBuckets) * 1000, 1),
      definitions: {
        seconds_to_all_ready:
          'from the first create request until the last BackupConfiguration is phase Ready and its stash-trigger CronJob exists, as seen by watches in the bench process',
        operator_rss_mb:
          "VmHWM of the operator process (the kernel's peak resident set) at the end of the run, after the at-rest window, in MiB",
        reconcile_p99_ms:
          '0.99-quantile of stowage_reconcile_duration_seconds{kind="BackupConfiguration"} (success and error) from the operator\'s /metrics when all were Ready, linearly interpolated inside the bucket that holds the rank, as PromQL histogram_quantile() does',
      },
      goals: GOALS,
      create_seconds: round(createSeconds, 1),
      create_concurrency: CREATE_CONCURRENCY,
      namespaces: NAMESPACES,
      objects_per_config: OBJECTS,
      progress_seconds: { first_ready: at(1 / sorted.length), half_ready: at(0.5), p90_ready: at(0.9) },
      operator: {
        args: OPERATOR_ARGS,
        cpu_seconds_to_all_ready: round(opAtReady.cpuSeconds - opBefore.cpuSeconds),
        rss_mb_at_all_ready: round(opAtReady.rssKb / 1024, 1),
        heap_mb_at_all_ready: {
          used: round(sumOf(opMetricsAtReady, 'nodejs_heap_size_used_bytes') / 1024 ** 2, 1),
          total: round(sumOf(opMetricsAtReady, 'nodejs_heap_size_total_bytes') / 1024 ** 2, 1),
          external: round(sumOf(opMetricsAtReady, 'nodejs_external_memory_bytes') / 1024 ** 2, 1),
        },
        reconciles,
        reconcile_backup_configuration: {
          count: bcCount,
          mean_ms: round((bcSum / Math.max(1, bcCount)) * 1000, 1),
          p50_ms: round(histogramQuantile(0.5, bcBuckets) * 1000, 1),
          p99_ms: round(histogramQuantile(0.99, bcBuckets) * 1000, 1),
        },
        log_lines: {
          warn: levels.filter((l) => l === 40).length,
          error: levels.filter((l) => l >= 50).length,
        },
        exit: { code: exitCode, seconds_after_sigterm: round(exitSeconds) },
      },
      api_server: {
        requests: requestTotal(byVerbResource),
        by_verb_resource: byVerbResource,
        conflicts_on_create: conflictsOnCreate(window),
        mean_latency_ms_by_verb: meanLatencyByVerb(window),
        cpu_seconds: round(sumOf(window, 'process_cpu_seconds_total')),
      },
      cpu_seconds_to_all_ready_by_process: Object.fromEntries(
        Object.entries(cpuAtReady)
          .map(([k, v]) => [k, round(v - (cpuBefore[k] ?? 0), 1)] as const)
          .filter(([, v]) => v > 0)
          .sort((a, b) => b[1] - a[1]),
      ),
      steady_state: steady,
      machine: {
        load_average_start: loadStart.map((x) => round(x)),
        load_average_end: loadavg().map((x) => round(x)),
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memory_gb: round(totalmem() / 1024 ** 3, 1),
        kernel: release(),
      },
      versions: {
        node: process.version,
        kubernetes: kubeVersion,
        etcd: pinned.ETCD_VERSION ?? 'unknown',
        stowage: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
          .version,
        git_commit: gitCommit(),
      },
      total_seconds: round((Date.now() - t0) / 1000, 0),
    };
    mkdirSync(dirname(resolve(root, OUT)), { recursive: true });
    writeFileSync(
      resolve(root, OUT),
      `${JSON.stringify({ ...result, leader_handover: handover }, null, 2)}\n`,
    );
    process.stdout.write(`\n${renderTable(result)}\n\n`);
    if (handover)
      say(
        `leader handover: SIGTERM → leader exit ${handover.leader_exit_seconds} s (code ${handover.leader_exit_code}); ` +
          `standby ready ${handover.seconds_to_standby_ready} s after the SIGTERM`,
      );
    if (!process.env.STOWAGE_BENCH_NO_DOCS) {
      writeOperatorSection(join(root, 'docs/benchmarks.md'), renderMarkdown(result));
      say(`wrote ${OUT} and the operator section of docs/benchmarks.md`);
    } else {
      say(`wrote ${OUT}`);
    }
    code = 0;
  } catch (e) {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.stderr.write(`work folder kept: ${work}\n`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await cluster.stop();
    if (code === 0 && !process.env.STOWAGE_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  }
  return code;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (src/ modified)` : head;
  } catch {
    return 'unknown';
  }
}

process.exitCode = await main();
