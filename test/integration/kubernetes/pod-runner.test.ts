/**
 * The pod runner (test/harness/pod-runner.ts) on the real test control plane: it binds and runs
 * the pods the real Job controller creates, and the Job controller sees real success and failure.
 * Containers with a `test/sh` image run `/bin/sh -c <args>`; ghcr.io/stowage/stowage runs bin/stowage.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Job,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startKubeCluster, type KubeCluster } from '../../harness/kube-cluster.ts';
import {
  DEFAULT_NODE_NAME,
  defaultResolveImage,
  expandVars,
  processAlive,
  startPodRunner,
  type PodRunner,
} from '../../harness/pod-runner.ts';
import { eventually } from './kube-support.ts';

let cluster: KubeCluster;
let runner: PodRunner;
let core: CoreV1Api;
let batch: BatchV1Api;
let rbac: RbacAuthorizationV1Api;
let workRoot: string;
const runnerLog: string[] = [];

const SH = 'test/sh:1';
const STOWAGE = 'ghcr.io/stowage/stowage:v0.1.0';

beforeAll(async () => {
  cluster = await startKubeCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  workRoot = await mkdtemp(join(tmpdir(), 'stowage-pod-runner-'));
  runner = await startPodRunner({
    kubeconfigPath: cluster.kubeconfigPath,
    server: cluster.server,
    caFile: cluster.caFile,
    workRoot,
    resolveImage: (img) => (img.startsWith('test/sh') ? ['/bin/sh', '-c'] : defaultResolveImage(img)),
    env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: workRoot },
    logger: (line) => runnerLog.push(line),
    maxGraceSeconds: 5,
  });
});

afterAll(async () => {
  await runner?.stop();
  await cluster?.stop();
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

/** Shows the runner's log when a test fails. */
function dumpLogOnFailure(): void {
  onTestFailed(() => console.log(runnerLog.join('\n')));
}

let nsCounter = 0;
/** A fresh namespace whose `default` ServiceAccount exists (bare pods need it to be admitted). */
async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  await eventually(`ServiceAccount ${name}/default`, async () => {
    try {
      return await core.readNamespacedServiceAccount({ namespace: name, name: 'default' });
    } catch {
      return undefined;
    }
  });
  return name;
}

const sh = (name: string, script: string, extra: Partial<V1PodSpec['containers'][number]> = {}) => ({
  name,
  image: SH,
  args: [script],
  ...extra,
});

async function createJob(ns: string, name: string, spec: Omit<V1PodSpec, 'restartPolicy'>): Promise<V1Job> {
  return batch.createNamespacedJob({
    namespace: ns,
    body: {
      metadata: { name },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', ...spec } } },
    },
  });
}

/** Waits for the Job's Complete or Failed condition; returns it with the Job's (single) pod. */
async function jobOutcome(
  ns: string,
  name: string,
): Promise<{ condition: string; reason?: string; pod: V1Pod }> {
  const condition = await eventually(`Job ${ns}/${name} to finish`, async () => {
    const job = await batch.readNamespacedJob({ namespace: ns, name });
    return job.status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
  });
  const pods = await core.listNamespacedPod({
    namespace: ns,
    labelSelector: `batch.kubernetes.io/job-name=${name}`,
  });
  expect(pods.items).toHaveLength(1);
  return { condition: condition.type, reason: condition.reason, pod: pods.items[0]! };
}

async function createPod(ns: string, name: string, spec: Partial<V1PodSpec>): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name }, spec: { restartPolicy: 'Never', containers: [], ...spec } },
  });
}

async function readPod(ns: string, name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ namespace: ns, name });
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

async function podPhase(ns: string, name: string, phases: string[]): Promise<V1Pod> {
  return eventually(`pod ${ns}/${name} in ${phases.join('|')}`, async () => {
    const pod = await readPod(ns, name);
    return pod && phases.includes(pod.status?.phase ?? '') ? pod : undefined;
  });
}

async function containerRunning(ns: string, name: string): Promise<V1Pod> {
  return eventually(`a running container in ${ns}/${name}`, async () => {
    const pod = await readPod(ns, name);
    return pod?.status?.containerStatuses?.some((s) => s.state?.running) ? pod : undefined;
  });
}

/** The pod of a new Job `name` whose one container runs `script`, once that container runs. */
async function runningJobPod(ns: string, name: string, script: string): Promise<V1Pod> {
  await createJob(ns, name, { containers: [sh('main', script)] });
  const pod = await eventually(`the pod of Job ${ns}/${name}`, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns });
    return pods.items[0];
  });
  return containerRunning(ns, pod.metadata!.name!);
}

describe('defaultResolveImage', () => {
  it('maps every image of a .../stowage repository to bin/stowage', () => {
    for (const image of [STOWAGE, 'localhost:5000/stowage', 'example.com/x/stowage@sha256:abc']) {
      expect(defaultResolveImage(image)?.[0]).toMatch(/\/bin\/stowage$/);
    }
    for (const image of ['stowage:1', 'ghcr.io/stowage/stowage-operator:1', 'ghcr.io/stowage/other:1']) {
      expect(defaultResolveImage(image)).toBeUndefined();
    }
  });
});

describe('expandVars', () => {
  it('expands like Kubernetes', () => {
    const vars = (n: string) => ({ A: 'a', B: 'b' })[n];
    expect(expandVars('$(A)-$(B)-$(C)', vars)).toBe('a-b-$(C)');
    expect(expandVars('$$(A) $$ $x $(A', vars)).toBe('$(A) $ $x $(A');
    expect(expandVars('end$', vars)).toBe('end$');
  });
});

describe('pod runner', () => {
  it('registers a Ready node', async () => {
    const node = await core.readNode({ name: DEFAULT_NODE_NAME });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.status?.capacity?.pods).toBe('110');
  });

  it('runs init containers in order over a shared emptyDir, then the main container (Job Complete)', async () => {
    dumpLogOnFailure();
    const ns = await namespace('init-order');
    const mounts = [{ name: 'shared', mountPath: '/shared' }];
    const env = [{ name: 'LOG', value: '/shared/log' }];
    await createJob(ns, 'ordered', {
      volumes: [{ name: 'shared', emptyDir: {} }],
      initContainers: [
        sh('one', 'echo one > "$LOG"', { env, volumeMounts: mounts }),
        sh('two', 'sleep 0.2; echo two >> "$LOG"', { env, volumeMounts: mounts }),
      ],
      containers: [
        sh('main', 'cat "$LOG"; test "$(cat "$LOG")" = "$(printf "one\\ntwo")"', {
          env,
          volumeMounts: mounts,
        }),
      ],
    });
    const { condition, pod } = await jobOutcome(ns, 'ordered');
    expect(condition).toBe('Complete');
    const done = await podPhase(ns, pod.metadata!.name!, ['Succeeded']);
    expect(done.spec?.nodeName).toBe(DEFAULT_NODE_NAME);
    const [one, two] = done.status!.initContainerStatuses!.map((s) => s.state?.terminated);
    const main = done.status!.containerStatuses![0]!.state?.terminated;
    for (const t of [one, two, main]) expect(t).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(new Date(one!.finishedAt!).getTime()).toBeLessThanOrEqual(new Date(two!.startedAt!).getTime());
    expect(new Date(two!.finishedAt!).getTime()).toBeLessThanOrEqual(new Date(main!.startedAt!).getTime());
    expect(runner.logs(ns, pod.metadata!.name!, 'main')).toBe('one\ntwo\n');
    const conditions = Object.fromEntries(done.status!.conditions!.map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ PodScheduled: 'True', Initialized: 'True', Ready: 'False' });
    expect(done.status?.podIP).toBe('127.0.0.1');
    expect(runner.started()).toContain(`${ns}/${pod.metadata!.name!}`);
  });

  it('stops at a failing init container: the main container never runs, the Job fails', async () => {
    dumpLogOnFailure();
    const ns = await namespace('init-fail');
    await createJob(ns, 'broken', {
      initContainers: [sh('prepare', 'echo "cannot prepare" >&2; exit 3')],
      containers: [sh('main', 'echo main ran')],
    });
    const { condition, pod } = await jobOutcome(ns, 'broken');
    expect(condition).toBe('Failed');
    const failed = await podPhase(ns, pod.metadata!.name!, ['Failed']);
    expect(failed.status!.initContainerStatuses![0]!.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: 'cannot prepare',
    });
    const main = failed.status!.containerStatuses![0]!;
    expect(main.state?.running).toBeUndefined();
    expect(main.state?.terminated).toBeUndefined();
    expect(runner.logs(ns, pod.metadata!.name!, 'main')).toBe('');
    expect(failed.status!.conditions!.find((c) => c.type === 'Initialized')?.status).toBe('False');
  });

  it('gives the process env from Secrets ($(VAR) expanded), secret files and the downward API', async () => {
    dumpLogOnFailure();
    const ns = await namespace('env');
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'creds' }, stringData: { password: 's3cret', user: 'alice' } },
    });
    // sh -c <script> sh <$1>: $1 is a path under the mount, rewritten to the volume's folder.
    // Paths under the mount are rewritten to the volume's folder: whole ($CREDS, $1), as an option
    // value ($2) and inside the snippet (cat /etc/creds/user); /etc/credsx is not under the mount.
    const script = [
      'test -z "${MISSING+x}"',
      'printf "%s|%s|%s|%s\\n" "$S_password" "$USER_NAME" "$GREETING" "$POD_NAME"',
      'printf "%s|%s|%s|%s|%s\\n" "$(cat "$CREDS/password")" "$(stat -c %a "$1")" "$(cat "${2#--file=}")" "$(cat /etc/creds/user)" /etc/credsx',
    ].join('; ');
    await createJob(ns, 'env', {
      volumes: [{ name: 'creds', secret: { secretName: 'creds' } }],
      containers: [
        sh('main', script, {
          args: [script, 'sh', '/etc/creds/password', '--file=/etc/creds/user'],
          envFrom: [{ secretRef: { name: 'creds' }, prefix: 'S_' }],
          env: [
            { name: 'USER_NAME', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'GREETING', value: 'hi $(USER_NAME) in $(POD_NAME), $$(USER_NAME) $(NOPE)' },
            { name: 'CREDS', value: '/etc/creds' },
            { name: 'MISSING', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope', optional: true } } },
          ],
          volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }],
        }),
      ],
    });
    const { condition, pod } = await jobOutcome(ns, 'env');
    expect(condition).toBe('Complete');
    const podName = pod.metadata!.name!;
    expect(runner.logs(ns, podName, 'main')).toBe(
      `s3cret|alice|hi alice in ${podName}, $(USER_NAME) $(NOPE)|${podName}\ns3cret|644|alice|alice|/etc/credsx\n`,
    );
  });

  it("authenticates the container's KUBECONFIG as the pod's ServiceAccount", async () => {
    dumpLogOnFailure();
    const ns = await namespace('rbac');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { k: 'v' } },
    });
    const clientUrl = import.meta.resolve('@kubernetes/client-node');
    const script = `
      const { KubeConfig, CoreV1Api, AuthenticationV1Api } = await import(${JSON.stringify(clientUrl)});
      const kc = new KubeConfig();
      kc.loadFromDefault();
      const ns = kc.getContextObject(kc.getCurrentContext()).namespace;
      const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
      console.log('user', review.status.userInfo.username);
      const core = kc.makeApiClient(CoreV1Api);
      console.log('configmap', (await core.readNamespacedConfigMap({ namespace: ns, name: 'settings' })).data.k);
      try {
        await core.listNamespacedSecret({ namespace: ns });
        console.log('secrets listed');
      } catch (e) {
        console.log('secrets', e.code);
      }`;
    await createJob(ns, 'whoami', {
      serviceAccountName: 'reader',
      containers: [{ name: 'main', image: SH, command: ['node', '--input-type=module', '-e', script] }],
    });
    const { condition, pod } = await jobOutcome(ns, 'whoami');
    expect(condition).toBe('Complete');
    expect(runner.logs(ns, pod.metadata!.name!, 'main')).toBe(
      `user system:serviceaccount:${ns}:reader\nconfigmap v\nsecrets 403\n`,
    );
  });

  it('reports a killed container as exit 137 and fails the Job', async () => {
    dumpLogOnFailure();
    const ns = await namespace('kill');
    const podName = (await runningJobPod(ns, 'crash', 'echo up; exec sleep 300')).metadata!.name!;
    await runner.killContainer(ns, podName);
    const { condition } = await jobOutcome(ns, 'crash');
    expect(condition).toBe('Failed');
    const failed = await podPhase(ns, podName, ['Failed']);
    expect(failed.status!.containerStatuses![0]!.state?.terminated).toMatchObject({
      exitCode: 137,
      signal: 9,
      reason: 'Error',
    });
  });

  it('stops the processes of a deleted pod and lets the pod go', async () => {
    dumpLogOnFailure();
    const ns = await namespace('delete');
    // The shell ignores SIGTERM (and so does its child): the runner must escalate to SIGKILL.
    await createPod(ns, 'sleeper', {
      terminationGracePeriodSeconds: 1,
      containers: [sh('main', 'trap \'\' TERM; sleep 300 & echo "pids $$$$ $!"; wait')],
    });
    await containerRunning(ns, 'sleeper');
    const pids = await eventually('the pids', () =>
      Promise.resolve(
        /pids (\d+) (\d+)/
          .exec(runner.logs(ns, 'sleeper', 'main'))
          ?.slice(1)
          .map(Number),
      ),
    );
    expect(pids.every(processAlive)).toBe(true);
    await core.deleteNamespacedPod({ namespace: ns, name: 'sleeper' });
    await eventually(
      'the pod object to disappear',
      async () => ((await readPod(ns, 'sleeper')) ? undefined : true),
      20_000,
    );
    expect(pids.some(processAlive)).toBe(false);
  });

  it('finalizes a deleted Job pod: it counts as failed and the Job controller lets it go', async () => {
    dumpLogOnFailure();
    const ns = await namespace('delete-job');
    const pod = await runningJobPod(ns, 'stopped', 'exec sleep 300');
    const podName = pod.metadata!.name!;
    expect(pod.metadata?.finalizers).toContain('batch.kubernetes.io/job-tracking');
    await core.deleteNamespacedPod({ namespace: ns, name: podName });
    const condition = await eventually('Job Failed', async () => {
      const job = await batch.readNamespacedJob({ namespace: ns, name: 'stopped' });
      return job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    });
    expect(condition.reason).toBe('BackoffLimitExceeded');
    await eventually('the pod object to disappear', async () =>
      (await readPod(ns, podName)) ? undefined : true,
    );
  });

  it('runs a sidecar init container alongside the main container and stops it afterwards', async () => {
    dumpLogOnFailure();
    const ns = await namespace('sidecar');
    await createPod(ns, 'with-sidecar', {
      terminationGracePeriodSeconds: 2,
      initContainers: [sh('sidecar', 'echo sidecar up; exec sleep 300', { restartPolicy: 'Always' })],
      containers: [sh('main', 'echo main done')],
    });
    const done = await podPhase(ns, 'with-sidecar', ['Succeeded', 'Failed']);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(143);
    expect(runner.logs(ns, 'with-sidecar', 'sidecar')).toBe('sidecar up\n');
    expect(runner.logs(ns, 'with-sidecar', 'main')).toBe('main done\n');
  });

  it('keeps a PVC-backed folder across pods, and waits for the claim to exist', async () => {
    dumpLogOnFailure();
    const ns = await namespace('pvc');
    const volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    const withData = {
      env: [{ name: 'DATA', value: '/data' }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    };
    await createPod(ns, 'writer', {
      volumes,
      containers: [sh('main', 'echo kept > "$DATA/file"', withData)],
    });
    const waiting = await eventually('the writer to wait for its claim', async () => {
      const pod = await readPod(ns, 'writer');
      return pod?.status?.containerStatuses?.[0]?.state?.waiting?.message ? pod : undefined;
    });
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: 'ContainerCreating',
      message: 'persistentvolumeclaim "data" not found',
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
      },
    });
    await podPhase(ns, 'writer', ['Succeeded']);
    await createPod(ns, 'reader', { volumes, containers: [sh('main', 'cat "$DATA/file"', withData)] });
    await podPhase(ns, 'reader', ['Succeeded']);
    expect(runner.logs(ns, 'reader', 'main')).toBe('kept\n');
  });

  it('runs the stowage image as bin/stowage (also when the command names the image entrypoint)', async () => {
    dumpLogOnFailure();
    const ns = await namespace('stowage');
    await createPod(ns, 'version', {
      containers: [
        { name: 'plain', image: STOWAGE, args: ['--version'] },
        { name: 'entrypoint', image: STOWAGE, command: ['/app/bin/stowage'], args: ['--version'] },
      ],
    });
    await podPhase(ns, 'version', ['Succeeded']);
    expect(runner.logs(ns, 'version', 'plain').trim()).toBe('0.1.0');
    expect(runner.logs(ns, 'version', 'entrypoint').trim()).toBe('0.1.0');
  });

  it('fails a pod past activeDeadlineSeconds with DeadlineExceeded', async () => {
    dumpLogOnFailure();
    const ns = await namespace('deadline');
    await createPod(ns, 'slow', { activeDeadlineSeconds: 1, containers: [sh('main', 'exec sleep 300')] });
    const failed = await podPhase(ns, 'slow', ['Failed']);
    expect(failed.status?.reason).toBe('DeadlineExceeded');
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(143);
  });

  it('leaves a container of an unknown image waiting with ErrImagePull', async () => {
    dumpLogOnFailure();
    const ns = await namespace('pull');
    await createPod(ns, 'unknown', { containers: [{ name: 'main', image: 'example.invalid/nothing:1' }] });
    const pod = await eventually('ErrImagePull', async () => {
      const p = await readPod(ns, 'unknown');
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull' ? p : undefined;
    });
    expect(pod.status?.phase).toBe('Pending');
    await core.deleteNamespacedPod({ namespace: ns, name: 'unknown' });
    await eventually('the pod object to disappear', async () =>
      (await readPod(ns, 'unknown')) ? undefined : true,
    );
  });
});
