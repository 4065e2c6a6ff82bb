/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver and (optionally)
 * kube-controller-manager, built from Go modules by scripts/peers/kubernetes.sh, all on 127.0.0.1
 * with free ports and one temporary data dir. There is no scheduler and no kubelet: pods are
 * created (e.g. by the Job controller) but stay Pending.
 *
 * Authentication is a static bearer token (--token-auth-file) of a system:masters user; the
 * apiserver generates its own serving certificate in --cert-dir, which doubles as the CA.
 *
 * ServiceAccounts: when the controller manager runs the serviceaccount controller, the
 * ServiceAccount admission plugin stays on (as in a real cluster), so a pod is only admitted once
 * its ServiceAccount exists. The controller creates a namespace's `default` ServiceAccount within
 * milliseconds, and the plugin itself re-reads a missing `default` for up to ~2 s, so a bare Pod
 * created right after its namespace is admitted. A pod naming any other ServiceAccount is rejected
 * until that exists (the Job controller retries with a back-off: create the ServiceAccount before
 * the Job). startKubeCluster returns once `default/default` exists, so the controller is known to
 * work. Without the serviceaccount controller (controllerManager: false, or a controllers list
 * without it) the plugin is disabled, as envtest does.
 *
 * The garbage collector discovers resource types every 30 s: for a CRD created after the
 * controller manager started, owner-reference deletion waits up to ~30-40 s. Install CRDs, then
 * call restartControllerManager() (~0.2-0.4 s) to have the collector watch them at once.
 *
 * See docs/kubernetes-test-cluster.md.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, readyOrStop, startServer, waitForHttp, waitUntil, type ServerProcess } from './process.ts';
import { toolPath } from './tools.ts';

export interface KubeCluster {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of a system:masters user. */
  token: string;
  /** The apiserver's serving cert (self-generated in --cert-dir), usable as CA. */
  caFile: string;
  /** kubeconfig with cluster/user/context named 'stowage-test' (server, certificate-authority, token), current-context set. */
  kubeconfigPath: string;
  dataDir: string;
  /** Stops kcm, apiserver, etcd; removes dataDir. */
  stop(): Promise<void>;
  /**
   * Kills and restarts nothing else; restarts just the controller manager (for tests). Starts it
   * when the cluster was started with controllerManager: false. Resolves once it serves /healthz.
   */
  restartControllerManager(): Promise<void>;
}

export interface KubeClusterOptions {
  /** kube-controller-manager --controllers; default: DEFAULT_CONTROLLERS. */
  controllers?: string[];
  /** Run kube-controller-manager; default true. */
  controllerManager?: boolean;
}

export const DEFAULT_CONTROLLERS: readonly string[] = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
];

const NAME = 'stowage-test';

/** GET `path` with the bearer token (if any), trusting `ca` (or anything without it); status 0 on error. */
function apiGet(
  port: number,
  path: string,
  token: string,
  ca: Buffer | undefined,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        timeout: 2_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

export function kubeconfigYaml(server: string, caFile: string, token: string): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${NAME}`,
    '  cluster:',
    `    server: ${q(server)}`,
    `    certificate-authority: ${q(caFile)}`,
    'users:',
    `- name: ${NAME}`,
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    `- name: ${NAME}`,
    '  context:',
    `    cluster: ${NAME}`,
    `    user: ${NAME}`,
    `current-context: ${NAME}`,
    '',
  ].join('\n');
}

export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const controllers = options.controllers ?? [...DEFAULT_CONTROLLERS];
  const runKcm = options.controllerManager ?? true;
  const saController =
    runKcm && controllers.some((c) => ['serviceaccount-controller', 'serviceaccount', '*'].includes(c));

  // One at a time: the first call builds all three binaries when they are not cached yet.
  const etcdBin = await toolPath('etcd');
  const apiserverBin = await toolPath('kube-apiserver');
  const kcmBin = await toolPath('kube-controller-manager');

  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-kube-'));
  const pkiDir = join(dataDir, 'pki');
  await mkdir(pkiDir);
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(dataDir, 'tokens.csv');
  const saKey = join(dataDir, 'sa.key');
  const saPub = join(dataDir, 'sa.pub');
  const caFile = join(pkiDir, 'apiserver.crt');
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  // Service-account signing key pair, without an openssl dependency (PKCS#8 / SPKI PEM both load).
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await Promise.all([
    writeFile(saKey, privateKey, { mode: 0o600 }),
    writeFile(saPub, publicKey),
    // token,user,uid,"group1,group2"
    writeFile(tokenFile, `${token},stowage-admin,stowage-admin,system:masters\n`, { mode: 0o600 }),
  ]);

  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const running: ServerProcess[] = [];
  let kcm: ServerProcess | undefined;
  // A test run that dies without stop() must not leave the control plane running.
  const killAll = (): void => {
    for (const p of [kcm, ...running]) p?.child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const stopAll = async (): Promise<void> => {
    process.removeListener('exit', killAll);
    if (kcm) await kcm.stop();
    for (const p of running.reverse()) await p.stop();
    running.length = 0;
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    // etcd
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = startServer(
      'etcd',
      etcdBin,
      [
        '--name=default',
        `--data-dir=${join(dataDir, 'etcd')}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { env },
    );
    running.push(etcd);
    await waitForHttp('etcd', etcd, `${clientUrl}/health`, { timeoutMs: 30_000 });

    // kube-apiserver
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const apiserver = startServer(
      'kube-apiserver',
      apiserverBin,
      [
        `--etcd-servers=${clientUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${pkiDir}`,
        `--token-auth-file=${tokenFile}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--profiling=false',
        ...(saController ? [] : ['--disable-admission-plugins=ServiceAccount']),
      ],
      { env },
    );
    running.push(apiserver);
    let ca: Buffer | undefined;
    await waitUntil(
      'kube-apiserver',
      apiserver,
      async () => {
        // The serving cert appears in --cert-dir shortly after start.
        ca ??= await readFile(caFile).catch(() => undefined);
        return ca !== undefined && (await apiGet(port, '/readyz', token, ca)).status === 200;
      },
      'GET /readyz = 200',
      60_000,
    );
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caFile, token), { mode: 0o600 });

    // kube-controller-manager
    const startKcm = async (): Promise<void> => {
      const kcmPort = await freePort();
      const p = startServer(
        'kube-controller-manager',
        kcmBin,
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${kcmPort}`,
          `--cert-dir=${join(dataDir, 'kcm')}`,
          '--leader-elect=false',
          '--use-service-account-credentials=false',
          `--service-account-private-key-file=${saKey}`,
          `--root-ca-file=${caFile}`,
          `--controllers=${controllers.join(',')}`,
          '--profiling=false',
        ],
        { env },
      );
      kcm = p;
      // /healthz is always allowed anonymously; its serving cert is self-signed (not verified).
      await readyOrStop(
        p,
        waitUntil(
          'kube-controller-manager',
          p,
          async () => (await apiGetKcm(kcmPort)) === 200,
          'GET /healthz = 200',
          60_000,
        ),
      );
    };
    if (runKcm) {
      await startKcm();
      if (saController) {
        await waitUntil(
          'kube-controller-manager',
          kcm!,
          async () =>
            (await apiGet(port, '/api/v1/namespaces/default/serviceaccounts/default', token, ca)).status ===
            200,
          'ServiceAccount default/default',
          60_000,
        );
      }
    }

    return {
      server,
      token,
      caFile,
      kubeconfigPath,
      dataDir,
      stop: stopAll,
      async restartControllerManager() {
        if (kcm) await kcm.stop();
        kcm = undefined;
        await startKcm();
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Status of GET /healthz on the controller manager's secure port (0 on error). */
function apiGetKcm(port: number): Promise<number> {
  return apiGet(port, '/healthz', '', undefined).then((r) => r.status);
}
