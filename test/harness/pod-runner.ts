/**
 * A process-based "kubelet" for the test control plane (test/harness/kube-cluster.ts), which has no
 * scheduler, kubelet or container runtime. It registers one Node, binds unscheduled Pods to it (the
 * scheduler's only job here), and runs every Pod bound to it as local processes, reporting status
 * through pods/status as a kubelet does — so the real Job controller sees real success and failure.
 * It stands in for the container runtime only: everything else (Jobs, RBAC, ServiceAccount tokens,
 * garbage collection, finalizers) is the real Kubernetes.
 *
 * What a pod becomes on this machine (and where Kubernetes semantics are approximated):
 *
 * - Images. `resolveImage(image)` is the "pull": it maps an image to the entrypoint argv on this
 *   machine; undefined means the image cannot be pulled and the container waits with ErrImagePull
 *   for as long as the pod lives (as a real kubelet retries the pull). The default maps every image
 *   whose repository ends with `/stowage` to `<repo>/bin/stowage`. The image's CMD is not known, so
 *   a container without `args` gets no default arguments.
 * - argv = (command ?? entrypoint) + args, after `$(VAR)` expansion with the container's env (as
 *   Kubernetes does). When `command[0]` is an absolute path that does not exist on this machine, it
 *   is taken to be the image's entrypoint (our Dockerfile's /app/bin/stowage) and replaced by the
 *   resolved entrypoint argv: argv = entrypoint + command[1..] + args. A relative `command[0]` is
 *   looked up in the container's PATH.
 * - Volumes are folders under `<workRoot>/pods/<namespace>_<pod>_<uid>/volumes/<volume>`:
 *   emptyDir (and generic ephemeral volumes); secret, configMap, downwardAPI and projected
 *   (secret, configMap, downwardAPI, serviceAccountToken) written as files with Kubernetes' default
 *   mode 0644 unless defaultMode/mode say otherwise (no `..data` symlink dance);
 *   persistentVolumeClaim → `<workRoot>/pvc/<namespace>/<claimName>`, kept across pods of the same
 *   claim (the PVC object must exist — the pod waits in ContainerCreating until it does — but it
 *   need not be Bound: there is no volume provisioner); hostPath → the path itself. A missing
 *   Secret/ConfigMap (not optional) or PVC keeps the pod in ContainerCreating until it appears.
 *   The `kube-root-ca.crt` ConfigMap (the harness runs no root-CA publisher) falls back to the
 *   apiserver CA file. Pod folders are kept after the pod ends, for post-mortems.
 * - Paths. There is no mount namespace, so a container's paths are rewritten instead (after
 *   `$(VAR)` expansion, each string once, longest mountPath first). In what the pod spec itself
 *   says — command, args and literal env `value`s — every mountPath at a path boundary is
 *   rewritten wherever it occurs: `/data`, `/data/x`, `--scratch-dir=/stash-tmp`, `cat /data/f`
 *   in a shell snippet, `a:/data` (boundary: start or a character that cannot be in a path before
 *   it; end, `/` or such a character after it — so `/var/data` and `/data.txt` stay). Values that
 *   are data (from Secrets, ConfigMaps, fieldRefs) and workingDir are rewritten only when the whole
 *   value equals a mountPath or starts with `<mountPath>/`. A mount at `/` is never rewritten. Paths
 *   a process builds itself (`$DIR/x` in a snippet is fine: $DIR is rewritten) are not seen.
 *   subPath and subPathExpr are honoured, readOnly is not. terminationMessagePath (default
 *   /dev/termination-log) maps to a per-container file. workingDir outside any mount is used as is
 *   when it exists here, else as `<pod dir>/rootfs<workingDir>`; without workingDir the process
 *   runs in the pod folder.
 * - Env, in Kubernetes' order: envFrom (secretRef/configMapRef, prefix, optional), then env (value
 *   with `$(VAR)` expansion of the earlier vars and the service vars, `$$` escapes; valueFrom
 *   fieldRef, resourceFieldRef, secretKeyRef, configMapKeyRef, optional). A missing non-optional
 *   reference leaves the container waiting with CreateContainerConfigError. Underneath, in this
 *   order of precedence: the container's env > KUBERNETES_SERVICE_HOST=127.0.0.1,
 *   KUBERNETES_SERVICE_PORT(_HTTPS)=<apiserver port>, KUBECONFIG, HOSTNAME=<pod name> >
 *   options.env (the "image" env: PATH, HOME…). Env values are never logged.
 * - Identity. KUBECONFIG=<pod dir>/kubeconfig holds a token from the TokenRequest API for the
 *   pod's ServiceAccount (spec.serviceAccountName, default `default`), bound to the pod (it stops
 *   working when the pod is deleted), with the pod's namespace as the context namespace — so the
 *   process has exactly the pod's RBAC. With automountServiceAccountToken: false the kubeconfig
 *   has no credentials (anonymous). The projected token volume the ServiceAccount admission plugin
 *   adds (/var/run/secrets/kubernetes.io/serviceaccount) is a volume like any other.
 *   securityContext (runAsUser…) is ignored: processes run as the test user.
 * - Lifecycle. initContainers run one at a time, stopping at the first non-zero exit; then the
 *   containers run in parallel. Init containers with restartPolicy Always (sidecars) are started and
 *   not waited for, and are stopped (SIGTERM, grace) when the main containers have exited. No
 *   container is ever restarted: every restartPolicy (Never, OnFailure, Always) is treated as Never,
 *   so the pod ends Succeeded when all main containers exit 0, else Failed. No probes: a running
 *   container is Ready. Every process is its own process group (detached); when its main process
 *   exits the rest of the group is SIGKILLed, as a container's cgroup would be.
 * - Status (pods/status, read-modify-replace retried on 409): phase Pending → Running →
 *   Succeeded/Failed; conditions PodScheduled, PodReadyToStartContainers, Initialized,
 *   ContainersReady, Ready (other conditions are kept); (init)containerStatuses with
 *   waiting{ContainerCreating|PodInitializing|ErrImagePull|CreateContainerConfigError},
 *   running{startedAt}, terminated{exitCode, signal, reason Completed|Error|StartError, startedAt,
 *   finishedAt, message}; a process killed by signal N reports exitCode 128+N (137 for SIGKILL),
 *   reason Error (OOMKilled is never reported: nothing here can tell an OOM kill). message is the
 *   termination-message file when the container wrote one, else — on a non-zero exit, whatever the
 *   terminationMessagePolicy — the last 80 lines / 2 KiB of output (FallbackToLogsOnError).
 *   podIP/hostIP are 127.0.0.1. A process that cannot be started (ENOENT…) is terminated with
 *   exitCode 128, reason StartError.
 * - Deletion (deletionTimestamp, or the object vanished): SIGTERM to every running process group,
 *   SIGKILL after the grace period (deletionGracePeriodSeconds, else terminationGracePeriodSeconds,
 *   capped at maxGraceSeconds, default 10 s), a final terminal status, then a delete with
 *   gracePeriodSeconds=0 (uid precondition), as the kubelet does; finalizers (the Job controller's
 *   job-tracking one) are left to their owners.
 * - activeDeadlineSeconds (counted from status.startTime): processes are stopped as on deletion and
 *   the pod ends Failed with reason DeadlineExceeded.
 * - The Node: Ready, with capacity (cpu count, memory, 110 pods) and heartbeats every 10 s. Only one
 *   runner per cluster is expected.
 *
 * One pod's failure never stops the runner: errors go to options.logger.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { constants as osConstants, cpus, release, totalmem } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  KubeConfig,
  Watch,
  type V1Container,
  type V1ContainerStatus,
  type V1KeyToPath,
  type V1Node,
  type V1NodeCondition,
  type V1ObjectFieldSelector,
  type V1Pod,
  type V1PodCondition,
  type V1PodStatus,
  type V1ResourceFieldSelector,
  type V1Volume,
} from '@kubernetes/client-node';

export interface PodRunnerOptions {
  /** Admin kubeconfig from KubeCluster. */
  kubeconfigPath: string;
  /** From KubeCluster, for the per-pod kubeconfigs. */
  server: string;
  caFile: string;
  /** Pod folders, logs and PVC folders live here. */
  workRoot: string;
  /** Default 'stowage-test-node'. */
  nodeName?: string;
  /**
   * image → entrypoint argv on this machine; undefined = not runnable (container waits with
   * ErrImagePull). Default: defaultResolveImage (every image whose repository ends with '/stowage',
   * e.g. ghcr.io/stowage/stowage:v0.1.0, → [<repo root>/bin/stowage]).
   */
  resolveImage?: (image: string) => string[] | undefined;
  /** Extra env for every container process (PATH with the PostgreSQL client tools, HOME, STOWAGE_RESTIC, STOWAGE_CACHE …). */
  env?: Record<string, string>;
  logger?: (line: string) => void;
  /** Cap on termination grace periods (deletion, activeDeadlineSeconds); default 10. */
  maxGraceSeconds?: number;
}

export interface PodRunner {
  /** SIGKILL the running container process of a pod (a crash / OOM kill); `container` defaults to whichever runs. */
  killContainer(namespace: string, pod: string, container?: string): Promise<void>;
  /** stdout+stderr of a container so far. */
  logs(namespace: string, pod: string, container: string): string;
  /** Pods (ns/name) this runner has started (picked up to run, in order; a pod waiting for its image counts). */
  started(): string[];
  /** Stops watching, kills running processes. */
  stop(): Promise<void>;
}

export const DEFAULT_NODE_NAME = 'stowage-test-node';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const LOCALHOST = '127.0.0.1';
const RESYNC_MS = 5_000;
const HEARTBEAT_MS = 10_000;
const RETRY_WAITING_MS = 1_000;
const MAX_LOG_CHARS = 8 * 1024 * 1024;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2_048;
const TERMINATION_MESSAGE_BYTES = 4_096;
const TOKEN_SECONDS = 3_600;

/** The repository of an image reference: without the digest and the tag. */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0] ?? '';
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) ref = ref.slice(0, colon);
  return ref;
}

/** Every image whose repository ends with '/stowage' runs this checkout's bin/stowage. */
export function defaultResolveImage(image: string): string[] | undefined {
  return imageRepository(image).endsWith('/stowage') ? [join(repoRoot, 'bin/stowage')] : undefined;
}

/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes/third_party/forked/golang/expansion): `$(NAME)`
 * → the value when NAME is defined, else left as is; `$$` → `$`; anything else verbatim.
 */
export function expandVars(input: string, vars: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close >= 1) {
        const name = rest.slice(1, close);
        out += vars(name) ?? `$(${name})`;
        advance = close + 1;
      } else {
        out += '$(';
      }
    } else {
      out += `$${rest[0]}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** Why a container (or the pod's sandbox) cannot start yet; the kubelet keeps retrying. */
class WaitingError extends Error {
  reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

function httpCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const body = (e as { body?: unknown }).body;
    const status = httpCode(e);
    if (status !== undefined && typeof body === 'string') {
      try {
        return `HTTP ${status}: ${(JSON.parse(body) as { message?: string }).message ?? body}`;
      } catch {
        return `HTTP ${status}: ${body}`;
      }
    }
    return e.message;
  }
  return String(e);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const QUANTITY_SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

function quantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^([0-9.]+(?:e[0-9]+)?)([a-zA-Z]*)$/.exec(String(q).trim());
  const factor = m ? QUANTITY_SUFFIX[m[2] ?? ''] : undefined;
  return m && factor !== undefined ? Number(m[1]) * factor : undefined;
}

function signalNumber(signal: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

/** Signals a process group; a group that is gone already is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}

interface Mount {
  mountPath: string;
  hostPath: string;
}

/**
 * Spec-authored strings: every mountPath occurring at a path boundary — after the start or a
 * character that cannot be part of a path (`=`, `:`, space, quote…), and followed by the end, `/`
 * or such a character — becomes its folder, in one pass (mounts sorted longest first), so
 * `--scratch-dir=/stash-tmp`, `a:/data/x` and `cat /data/f` are rewritten, `/var/data` and
 * `/data.txt` (for a mount at /data) are not.
 */
function rewriteEmbedded(s: string, mounts: readonly Mount[]): string {
  const candidates = mounts.filter((m) => m.mountPath !== '/');
  if (candidates.length === 0) return s;
  const alternation = candidates.map((m) => m.mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(^|[^A-Za-z0-9._~/-])(${alternation})(?=$|/|[^A-Za-z0-9._~-])`, 'g');
  const hostOf = new Map(candidates.map((m) => [m.mountPath, m.hostPath]));
  return s.replace(re, (_m, pre: string, mountPath: string) => pre + (hostOf.get(mountPath) ?? mountPath));
}

/** Data (Secret/ConfigMap/downward API values, workingDir): the folder of `s` when it is a mountPath or below one, else `s`. */
function rewritePath(s: string, mounts: readonly Mount[]): string {
  for (const m of mounts) {
    if (s === m.mountPath) return m.hostPath;
    if (m.mountPath !== '/' && s.startsWith(`${m.mountPath}/`))
      return m.hostPath + s.slice(m.mountPath.length);
  }
  return s;
}

interface ExitInfo {
  exitCode: number;
  signal?: number;
  reason: 'Completed' | 'Error' | 'StartError';
  message?: string;
  startedAt: Date;
  finishedAt: Date;
}

interface Proc {
  container: string;
  pid: number | undefined;
  startedAt: Date;
  running: boolean;
  /** Resolves once the process and its group are gone and its status is recorded. */
  done: Promise<ExitInfo>;
  kill(signal: NodeJS.Signals): void;
}

type Ending = 'deleted' | 'gone' | 'deadline' | 'stopped';

interface LogBuffer {
  text: string;
}

interface Resolved {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  terminationFile: string;
}

type Runner = RunnerState;

/** The runner's shared state; one PodWorker per pod uid it runs. */
class RunnerState {
  o: Required<Omit<PodRunnerOptions, 'logger' | 'env'>> & {
    env: Record<string, string>;
    log: (line: string) => void;
  };
  core: CoreV1Api;
  apiPort: string;
  workers = new Map<string, PodWorker>();
  /** uids already run (or being run): never started twice. */
  handled = new Set<string>();
  /** uids whose final delete was sent. */
  finalized = new Set<string>();
  binding = new Set<string>();
  startedPods: string[] = [];
  logs = new Map<string, LogBuffer>();
  groups = new Set<number>();
  stopped = false;

  constructor(o: PodRunnerOptions, core: CoreV1Api) {
    this.o = {
      kubeconfigPath: o.kubeconfigPath,
      server: o.server,
      caFile: o.caFile,
      workRoot: o.workRoot,
      nodeName: o.nodeName ?? DEFAULT_NODE_NAME,
      resolveImage: o.resolveImage ?? defaultResolveImage,
      maxGraceSeconds: o.maxGraceSeconds ?? 10,
      env: o.env ?? {},
      log: (line) => {
        try {
          o.logger?.(`pod-runner: ${line}`);
        } catch {
          // A logger that throws must not take the runner down.
        }
      },
    };
    this.core = core;
    const url = new URL(o.server);
    this.apiPort = url.port || '443';
  }

  async readKeyed(
    kind: 'Secret' | 'ConfigMap',
    namespace: string,
    name: string,
  ): Promise<Record<string, Buffer> | undefined> {
    try {
      if (kind === 'Secret') {
        const s = await this.core.readNamespacedSecret({ namespace, name });
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        );
      }
      const c = await this.core.readNamespacedConfigMap({ namespace, name });
      return {
        ...Object.fromEntries(
          Object.entries(c.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        ...Object.fromEntries(Object.entries(c.data ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
      };
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
      // No root-CA publisher runs in the test cluster; its ConfigMap would hold the apiserver CA.
      if (kind === 'ConfigMap' && name === 'kube-root-ca.crt')
        return { 'ca.crt': await readFile(this.o.caFile) };
      return undefined;
    }
  }

  async serviceAccountToken(pod: V1Pod, audience?: string, expirationSeconds?: number): Promise<string> {
    const namespace = pod.metadata?.namespace ?? '';
    const sa = pod.spec?.serviceAccountName ?? 'default';
    try {
      const res = await this.core.createNamespacedServiceAccountToken({
        namespace,
        name: sa,
        body: {
          spec: {
            audiences: audience ? [audience] : [],
            expirationSeconds: Math.max(expirationSeconds ?? TOKEN_SECONDS, 600),
            boundObjectRef: {
              apiVersion: 'v1',
              kind: 'Pod',
              name: pod.metadata?.name,
              uid: pod.metadata?.uid,
            },
          },
        },
      });
      return res.status?.token ?? '';
    } catch (e) {
      if (httpCode(e) === 404) {
        throw new WaitingError(
          'ContainerCreating',
          `ServiceAccount ${namespace}/${sa} (or the pod) not found`,
        );
      }
      throw e;
    }
  }
}

/** Runs one pod (one uid) from Pending to a terminal phase. */
class PodWorker {
  r: Runner;
  pod: V1Pod;
  uid: string;
  namespace: string;
  name: string;
  dir: string;
  status: V1PodStatus;
  procs = new Map<string, Proc>();
  volumeDirs = new Map<string, string>();
  kubeconfig = '';
  ending: Ending | undefined;
  abort = new AbortController();
  done: Promise<void> = Promise.resolve();
  pushChain: Promise<void> = Promise.resolve();
  deadlineTimer: NodeJS.Timeout | undefined;
  initFailed = false;
  sidecars: Proc[] = [];

  constructor(r: Runner, pod: V1Pod) {
    this.r = r;
    this.pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.namespace = pod.metadata?.namespace ?? '';
    this.name = pod.metadata?.name ?? '';
    this.dir = join(r.o.workRoot, 'pods', `${this.namespace}_${this.name}_${this.uid}`);
    const now = new Date();
    const spec = pod.spec;
    const hasInit = (spec?.initContainers?.length ?? 0) > 0;
    const waiting = (c: V1Container, reason: string): V1ContainerStatus => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason } },
    });
    this.status = {
      phase: 'Pending',
      startTime: pod.status?.startTime ?? now,
      hostIP: LOCALHOST,
      hostIPs: [{ ip: LOCALHOST }],
      podIP: LOCALHOST,
      podIPs: [{ ip: LOCALHOST }],
      conditions: [],
      ...(hasInit
        ? { initContainerStatuses: spec?.initContainers?.map((c) => waiting(c, 'PodInitializing')) }
        : {}),
      containerStatuses: (spec?.containers ?? []).map((c) =>
        waiting(c, hasInit ? 'PodInitializing' : 'ContainerCreating'),
      ),
    };
  }

  log(line: string): void {
    this.r.o.log(`${this.namespace}/${this.name}: ${line}`);
  }

  get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    this.done = this.run().catch(async (e: unknown) => {
      // A bug or an unexpected API failure: stop the processes and report the pod Failed.
      this.log(`internal error: ${describe(e)}`);
      try {
        await this.killAll(0);
        clearTimeout(this.deadlineTimer);
        this.status.phase = 'Failed';
        this.status.reason = 'PodRunnerError';
        this.status.message = `pod-runner: ${describe(e)}`;
        await this.push(true);
      } catch (e2) {
        this.log(`could not report the failure: ${describe(e2)}`);
      } finally {
        this.r.workers.delete(this.uid);
      }
    });
  }

  /** Newer copy of the pod from the watch. */
  update(pod: V1Pod): void {
    // A resync's list may be older than the last watch event: keep the newest copy.
    const version = (p: V1Pod): bigint | undefined => {
      const v = p.metadata?.resourceVersion;
      return v && /^\d+$/.test(v) ? BigInt(v) : undefined;
    };
    const [next, current] = [version(pod), version(this.pod)];
    if (next === undefined || current === undefined || next >= current) this.pod = pod;
  }

  /** Ends the pod: stops its processes (SIGTERM, grace, SIGKILL; SIGKILL at once when the runner stops). */
  terminate(ending: Ending): void {
    if (this.ending) {
      // The runner stopping overrides a graceful ending in progress.
      if (ending === 'stopped') for (const p of this.procs.values()) p.kill('SIGKILL');
      return;
    }
    this.ending = ending;
    this.abort.abort();
    this.log(`terminating (${ending})`);
    void this.killAll(ending === 'stopped' ? 0 : this.graceSeconds());
  }

  graceSeconds(): number {
    const fromDelete = this.ending === 'deleted' ? this.pod.metadata?.deletionGracePeriodSeconds : undefined;
    const seconds = fromDelete ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, Math.min(seconds, this.r.o.maxGraceSeconds));
  }

  /** SIGTERM every running process, SIGKILL after `graceSeconds`; resolves when all are gone. */
  async killAll(graceSeconds: number, only?: readonly Proc[]): Promise<void> {
    const running = (only ?? [...this.procs.values()]).filter((p) => p.running);
    if (running.length === 0) return;
    for (const p of running) p.kill(graceSeconds > 0 ? 'SIGTERM' : 'SIGKILL');
    const timer =
      graceSeconds > 0
        ? setTimeout(() => {
            for (const p of running) if (p.running) p.kill('SIGKILL');
          }, graceSeconds * 1000)
        : undefined;
    await Promise.all(running.map((p) => p.done));
    if (timer) clearTimeout(timer);
  }

  async run(): Promise<void> {
    this.log(`starting (uid ${this.uid})`);
    await mkdir(join(this.dir, 'logs'), { recursive: true });
    await this.push();
    this.armDeadline();

    const ready = await this.untilStarted(
      async () => {
        await this.prepareSandbox();
        return true;
      },
      (w) => this.setWaitingAll(w),
    );
    if (ready) {
      this.setCondition('PodReadyToStartContainers', 'True');
      await this.push();
    }

    const spec = this.pod.spec;
    if (ready && !this.aborted) {
      for (const c of spec?.initContainers ?? []) {
        if (this.aborted) break;
        const proc = await this.startContainer(c, 'init');
        if (!proc) break;
        if (c.restartPolicy === 'Always') {
          this.sidecars.push(proc);
          continue;
        }
        const exit = await proc.done;
        if (exit.exitCode !== 0) {
          this.initFailed = true;
          break;
        }
      }
      if (!this.initFailed && !this.aborted) {
        await Promise.all(
          (spec?.containers ?? []).map(async (c) => {
            const proc = await this.startContainer(c, 'main');
            if (proc) await proc.done;
          }),
        );
      }
    }
    // Sidecars end with the main containers; with the pod, they are being killed already.
    await this.killAll(this.graceSeconds(), this.sidecars);
    await Promise.all([...this.procs.values()].map((p) => p.done));
    clearTimeout(this.deadlineTimer);
    await this.finish();
  }

  armDeadline(): void {
    const deadline = this.pod.spec?.activeDeadlineSeconds;
    if (deadline === undefined) return;
    const startMs = new Date(this.status.startTime ?? Date.now()).getTime();
    const left = Math.max(0, startMs + deadline * 1000 - Date.now());
    this.deadlineTimer = setTimeout(() => this.terminate('deadline'), left);
  }

  /** The final status, then (for a deleted pod) the final delete. */
  async finish(): Promise<void> {
    if (this.ending === 'stopped' || this.ending === 'gone') {
      this.log(`ended (${this.ending})`);
      this.r.workers.delete(this.uid);
      return;
    }
    const main = this.status.containerStatuses ?? [];
    const succeeded =
      !this.initFailed &&
      main.length > 0 &&
      main.every((s) => s.state?.terminated !== undefined && s.state.terminated.exitCode === 0);
    this.status.phase = succeeded && this.ending !== 'deadline' ? 'Succeeded' : 'Failed';
    if (this.ending === 'deadline') {
      this.status.reason = 'DeadlineExceeded';
      this.status.message = 'Pod was active on the node longer than the specified deadline';
    }
    await this.push(true);
    this.log(`${this.status.phase}${this.ending ? ` (${this.ending})` : ''}`);
    if (this.ending === 'deleted' || this.pod.metadata?.deletionTimestamp)
      await finalizeDelete(this.r, this.pod);
    this.r.workers.delete(this.uid);
  }

  /**
   * Runs `attempt` until it succeeds, retrying WaitingErrors every second (reported through
   * `onWaiting`); false when the pod ended meanwhile.
   */
  async untilStarted<T>(
    attempt: () => Promise<T>,
    onWaiting: (w: WaitingError) => boolean,
  ): Promise<T | undefined> {
    let last = '';
    while (!this.aborted) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof WaitingError)) throw e;
        if (`${e.reason}: ${e.message}` !== last) {
          last = `${e.reason}: ${e.message}`;
          this.log(`waiting: ${last}`);
          if (onWaiting(e)) await this.push();
        }
        await sleep(RETRY_WAITING_MS, this.abort.signal);
      }
    }
    return undefined;
  }

  setWaitingAll(w: WaitingError): boolean {
    for (const s of [
      ...(this.status.initContainerStatuses ?? []),
      ...(this.status.containerStatuses ?? []),
    ]) {
      s.state = { waiting: { reason: 'ContainerCreating', message: w.message } };
    }
    return true;
  }

  statusOf(name: string, kind: 'init' | 'main'): V1ContainerStatus | undefined {
    const list = kind === 'init' ? this.status.initContainerStatuses : this.status.containerStatuses;
    return list?.find((s) => s.name === name);
  }

  // --- The sandbox: volumes and the pod's kubeconfig -------------------------------------------

  async prepareSandbox(): Promise<void> {
    const pod = this.pod;
    for (const v of pod.spec?.volumes ?? []) {
      this.volumeDirs.set(v.name, await this.prepareVolume(v));
    }
    const token =
      pod.spec?.automountServiceAccountToken === false ? undefined : await this.r.serviceAccountToken(pod);
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'cluster', cluster: { server: this.r.o.server, 'certificate-authority': this.r.o.caFile } },
      ],
      users: [{ name: 'pod', user: token ? { token } : {} }],
      contexts: [{ name: 'pod', context: { cluster: 'cluster', user: 'pod', namespace: this.namespace } }],
      'current-context': 'pod',
    };
    this.kubeconfig = join(this.dir, 'kubeconfig');
    await writeFile(this.kubeconfig, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  }

  async prepareVolume(v: V1Volume): Promise<string> {
    const dir = join(this.dir, 'volumes', v.name);
    const ns = this.namespace;
    if (v.persistentVolumeClaim) {
      const claim = v.persistentVolumeClaim.claimName;
      try {
        await this.r.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: claim });
      } catch (e) {
        if (httpCode(e) === 404) {
          throw new WaitingError('ContainerCreating', `persistentvolumeclaim "${claim}" not found`);
        }
        throw e;
      }
      const pvcDir = join(this.r.o.workRoot, 'pvc', ns, claim);
      await mkdir(pvcDir, { recursive: true });
      return pvcDir;
    }
    if (v.hostPath) {
      if (v.hostPath.type === 'DirectoryOrCreate') await mkdir(v.hostPath.path, { recursive: true });
      return v.hostPath.path;
    }
    await mkdir(dir, { recursive: true });
    if (v.secret) {
      const name = v.secret.secretName ?? '';
      await this.writeKeyed(dir, 'Secret', name, v.secret.items, v.secret.defaultMode, v.secret.optional);
    } else if (v.configMap) {
      const cm = v.configMap;
      await this.writeKeyed(dir, 'ConfigMap', cm.name ?? '', cm.items, cm.defaultMode, cm.optional);
    } else if (v.downwardAPI) {
      for (const item of v.downwardAPI.items ?? []) {
        const value = item.fieldRef
          ? this.fieldValue(item.fieldRef)
          : item.resourceFieldRef
            ? this.resourceValue(item.resourceFieldRef)
            : '';
        await writeItem(dir, item.path, Buffer.from(value), item.mode ?? v.downwardAPI.defaultMode);
      }
    } else if (v.projected) {
      const mode = v.projected.defaultMode;
      for (const s of v.projected.sources ?? []) {
        if (s.secret)
          await this.writeKeyed(dir, 'Secret', s.secret.name ?? '', s.secret.items, mode, s.secret.optional);
        if (s.configMap) {
          const cm = s.configMap;
          await this.writeKeyed(dir, 'ConfigMap', cm.name ?? '', cm.items, mode, cm.optional);
        }
        for (const item of s.downwardAPI?.items ?? []) {
          const value = item.fieldRef
            ? this.fieldValue(item.fieldRef)
            : item.resourceFieldRef
              ? this.resourceValue(item.resourceFieldRef)
              : '';
          await writeItem(dir, item.path, Buffer.from(value), item.mode ?? mode);
        }
        if (s.serviceAccountToken) {
          const t = s.serviceAccountToken;
          const token = await this.r.serviceAccountToken(this.pod, t.audience, t.expirationSeconds);
          await writeItem(dir, t.path, Buffer.from(token), mode);
        }
      }
    } else if (!v.emptyDir && !v.ephemeral) {
      this.log(`volume ${v.name}: unsupported type, using an empty folder`);
    }
    return dir;
  }

  async writeKeyed(
    dir: string,
    kind: 'Secret' | 'ConfigMap',
    name: string,
    items: V1KeyToPath[] | undefined,
    defaultMode: number | undefined,
    optional: boolean | undefined,
  ): Promise<void> {
    const data = await this.r.readKeyed(kind, this.namespace, name);
    if (!data) {
      if (optional) return;
      throw new WaitingError('ContainerCreating', `${kind.toLowerCase()} "${name}" not found`);
    }
    const wanted: V1KeyToPath[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of wanted) {
      const value = data[item.key];
      if (value === undefined) {
        if (optional) continue;
        throw new WaitingError(
          'ContainerCreating',
          `${kind.toLowerCase()} "${name}" has no key "${item.key}"`,
        );
      }
      await writeItem(dir, item.path, value, item.mode ?? defaultMode);
    }
  }

  fieldValue(ref: V1ObjectFieldSelector): string {
    const pod = this.pod;
    const meta = pod.metadata ?? {};
    const formatMap = (m: Record<string, string> | undefined): string =>
      Object.keys(m ?? {})
        .sort()
        .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
        .join('\n');
    switch (ref.fieldPath) {
      case 'metadata.name':
        return meta.name ?? '';
      case 'metadata.namespace':
        return meta.namespace ?? '';
      case 'metadata.uid':
        return meta.uid ?? '';
      case 'metadata.labels':
        return formatMap(meta.labels);
      case 'metadata.annotations':
        return formatMap(meta.annotations);
      case 'spec.nodeName':
        return pod.spec?.nodeName ?? this.r.o.nodeName;
      case 'spec.serviceAccountName':
        return pod.spec?.serviceAccountName ?? '';
      case 'status.podIP':
      case 'status.podIPs':
      case 'status.hostIP':
      case 'status.hostIPs':
        return LOCALHOST;
      default: {
        const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(ref.fieldPath);
        if (m) return (m[1] === 'labels' ? meta.labels : meta.annotations)?.[m[2] ?? ''] ?? '';
        throw new WaitingError('CreateContainerConfigError', `unsupported fieldRef ${ref.fieldPath}`);
      }
    }
  }

  /** limits.* / requests.* of a container; unset limits are the node's allocatable. */
  resourceValue(ref: V1ResourceFieldSelector, containerName?: string): string {
    const name = ref.containerName ?? containerName;
    const c = [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])].find(
      (x) => x.name === name,
    );
    const [kind, resource = ''] = ref.resource.split('.');
    const node: Record<string, number> = {
      cpu: cpus().length,
      memory: totalmem(),
      'ephemeral-storage': 2 ** 37,
    };
    const limits = c?.resources?.limits ?? {};
    const requests = c?.resources?.requests ?? {};
    const value =
      kind === 'limits'
        ? (quantity(limits[resource]) ?? node[resource] ?? 0)
        : (quantity(requests[resource]) ?? quantity(limits[resource]) ?? 0);
    const divisor = quantity(ref.divisor) ?? 1;
    return String(Math.ceil(value / (divisor || 1)));
  }

  // --- Containers -----------------------------------------------------------------------------

  async resolve(c: V1Container): Promise<Resolved> {
    const entry = this.r.o.resolveImage(c.image ?? '');
    if (!entry?.length) {
      throw new WaitingError('ErrImagePull', `image "${c.image ?? ''}" is not runnable here (resolveImage)`);
    }
    const serviceEnv: Record<string, string> = {
      KUBERNETES_SERVICE_HOST: LOCALHOST,
      KUBERNETES_SERVICE_PORT: this.r.apiPort,
      KUBERNETES_SERVICE_PORT_HTTPS: this.r.apiPort,
    };
    const env: Record<string, string> = {};
    /** Names whose value is spec-authored (a literal `value`), as opposed to data. */
    const literal = new Set<string>();
    const configError = (m: string): WaitingError => new WaitingError('CreateContainerConfigError', m);
    const keyed = async (
      kind: 'Secret' | 'ConfigMap',
      name: string,
      optional: boolean | undefined,
    ): Promise<Record<string, Buffer> | undefined> => {
      const data = await this.r.readKeyed(kind, this.namespace, name);
      if (!data && !optional) throw configError(`${kind.toLowerCase()} "${name}" not found`);
      return data;
    };
    for (const from of c.envFrom ?? []) {
      const ref = from.secretRef ?? from.configMapRef;
      if (!ref) continue;
      const data = await keyed(from.secretRef ? 'Secret' : 'ConfigMap', ref.name ?? '', ref.optional);
      for (const [k, v] of Object.entries(data ?? {})) {
        if (k.includes('=')) continue;
        env[`${from.prefix ?? ''}${k}`] = v.toString();
        literal.delete(`${from.prefix ?? ''}${k}`);
      }
    }
    const lookup = (name: string): string | undefined => env[name] ?? serviceEnv[name];
    for (const e of c.env ?? []) {
      const from = e.valueFrom;
      literal.delete(e.name);
      if (!from) {
        env[e.name] = expandVars(e.value ?? '', lookup);
        literal.add(e.name);
      } else if (from.fieldRef) {
        env[e.name] = this.fieldValue(from.fieldRef);
      } else if (from.resourceFieldRef) {
        env[e.name] = this.resourceValue(from.resourceFieldRef, c.name);
      } else if (from.secretKeyRef || from.configMapKeyRef) {
        const ref = (from.secretKeyRef ?? from.configMapKeyRef)!;
        const kind = from.secretKeyRef ? 'Secret' : 'ConfigMap';
        const data = await keyed(kind, ref.name ?? '', ref.optional);
        const value = data?.[ref.key];
        if (value !== undefined) env[e.name] = value.toString();
        else if (data && !ref.optional)
          throw configError(`couldn't find key ${ref.key} in ${kind} ${ref.name}`);
      } else {
        throw configError(`env ${e.name}: unsupported valueFrom`);
      }
    }

    // Mounts, longest mountPath first; the termination-message file is one too.
    const mounts: Mount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const base = this.volumeDirs.get(m.name);
      if (base === undefined) throw configError(`volume ${m.name} not found`);
      const sub = m.subPathExpr ? expandVars(m.subPathExpr, (n) => env[n]) : (m.subPath ?? '');
      const hostPath = sub ? join(base, sub) : base;
      if (sub && !existsSync(hostPath)) await mkdir(hostPath, { recursive: true });
      const mountPath = m.mountPath.length > 1 ? m.mountPath.replace(/\/+$/, '') : m.mountPath;
      mounts.push({ mountPath, hostPath });
    }
    const terminationFile = join(this.dir, 'termination', c.name);
    await mkdir(dirname(terminationFile), { recursive: true });
    await writeFile(terminationFile, '');
    mounts.push({ mountPath: c.terminationMessagePath ?? '/dev/termination-log', hostPath: terminationFile });
    mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
    const rw = (s: string): string => rewriteEmbedded(s, mounts);

    const full = (name: string): string | undefined => env[name] ?? serviceEnv[name];
    const command = (c.command ?? []).map((s) => rw(expandVars(s, full)));
    const args = (c.args ?? []).map((s) => rw(expandVars(s, full)));
    let argv: string[];
    const cmd0 = command[0];
    if (cmd0 === undefined) argv = [...entry, ...args];
    else if (isAbsolute(cmd0) && !existsSync(cmd0)) argv = [...entry, ...command.slice(1), ...args];
    else argv = [...command, ...args];

    let cwd = this.dir;
    if (c.workingDir) {
      const mapped = rewritePath(normalize(c.workingDir), mounts);
      cwd =
        mapped !== normalize(c.workingDir) || existsSync(mapped) ? mapped : join(this.dir, 'rootfs', mapped);
      await mkdir(cwd, { recursive: true });
    }
    return {
      argv,
      cwd,
      terminationFile,
      env: {
        ...this.r.o.env,
        ...serviceEnv,
        KUBECONFIG: this.kubeconfig,
        HOSTNAME: this.name,
        ...Object.fromEntries(
          Object.entries(env).map(([k, v]) => [k, literal.has(k) ? rw(v) : rewritePath(v, mounts)]),
        ),
      },
    };
  }

  /**
   * Resolves and starts a container (waiting as long as it cannot start); undefined when the pod
   * ended before it started.
   */
  async startContainer(c: V1Container, kind: 'init' | 'main'): Promise<Proc | undefined> {
    const status = this.statusOf(c.name, kind);
    const resolved = await this.untilStarted(
      () => this.resolve(c),
      (w) => {
        if (status) status.state = { waiting: { reason: w.reason, message: w.message } };
        return true;
      },
    );
    if (!resolved || this.aborted) return undefined;
    const proc = this.spawn(c, resolved, status);
    this.procs.set(c.name, proc);
    if (status && proc.running) {
      status.state = { running: { startedAt: proc.startedAt } };
      status.started = true;
      status.ready = true;
      status.imageID = `pod-runner://${c.image ?? ''}`;
      status.containerID = `pod-runner://${this.uid}/${c.name}`;
      if (kind === 'main') this.status.phase = 'Running';
      void this.push();
    }
    return proc;
  }

  spawn(c: V1Container, resolved: Resolved, status: V1ContainerStatus | undefined): Proc {
    const key = `${this.namespace}/${this.name}/${c.name}`;
    const buffer: LogBuffer = { text: '' };
    this.r.logs.set(key, buffer);
    const file: WriteStream = createWriteStream(join(this.dir, 'logs', `${c.name}.log`));
    file.on('error', () => undefined);
    const collect = (chunk: Buffer): void => {
      buffer.text += chunk.toString();
      if (buffer.text.length > MAX_LOG_CHARS) buffer.text = buffer.text.slice(-MAX_LOG_CHARS);
      file.write(chunk);
    };
    const startedAt = new Date();
    const [bin = '', ...rest] = resolved.argv;
    this.log(
      `container ${c.name}: ${[c.command, c.args].some((x) => x) ? 'command/args of the spec' : 'entrypoint'} → ${bin}`,
    );

    let child: ChildProcess | undefined;
    let spawnError: Error | undefined;
    try {
      child = spawn(bin, rest, {
        cwd: resolved.cwd,
        env: resolved.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      spawnError = e instanceof Error ? e : new Error(String(e));
    }
    const pid = child?.pid;
    if (pid !== undefined) this.r.groups.add(pid);
    child?.stdout?.on('data', collect);
    child?.stderr?.on('data', collect);

    const proc: Proc = {
      container: c.name,
      pid,
      startedAt,
      running: pid !== undefined,
      done: Promise.resolve(undefined as unknown as ExitInfo),
      kill: (signal) => {
        if (proc.running && pid !== undefined) signalGroup(pid, signal);
      },
    };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
      (resolve) => {
        if (!child) return resolve({ code: null, signal: null, error: spawnError });
        child.once('error', (error) => {
          // Spawn failures (ENOENT, EACCES) come as 'error' without an 'exit'.
          if (pid === undefined) resolve({ code: null, signal: null, error });
        });
        child.once('exit', (code, signal) => resolve({ code, signal }));
      },
    );
    proc.done = exited.then(async ({ code, signal, error }) => {
      proc.running = false;
      if (pid !== undefined) {
        // The container is gone: so is everything it left running in its process group.
        signalGroup(pid, 'SIGKILL');
        this.r.groups.delete(pid);
        const c = child;
        if (c && (c.stdout?.readable || c.stderr?.readable)) {
          await Promise.race([new Promise((r) => c.once('close', r)), sleep(2_000)]);
        }
      }
      await new Promise<void>((r) => file.end(r));
      const finishedAt = new Date();
      const exit: ExitInfo = error
        ? { exitCode: 128, reason: 'StartError', message: error.message, startedAt, finishedAt }
        : signal
          ? {
              exitCode: 128 + signalNumber(signal),
              signal: signalNumber(signal),
              reason: 'Error',
              startedAt,
              finishedAt,
            }
          : { exitCode: code ?? 0, reason: code === 0 ? 'Completed' : 'Error', startedAt, finishedAt };
      if (!error) {
        const message = await terminationMessage(
          resolved.terminationFile,
          exit.exitCode !== 0 ? buffer.text : '',
        );
        if (message) exit.message = message;
      }
      this.log(`container ${c.name}: exited ${exit.exitCode} (${exit.reason})`);
      if (status) {
        status.state = {
          terminated: {
            exitCode: exit.exitCode,
            reason: exit.reason,
            startedAt: exit.startedAt,
            finishedAt: exit.finishedAt,
            containerID: `pod-runner://${this.uid}/${c.name}`,
            ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
            ...(exit.message ? { message: exit.message } : {}),
          },
        };
        status.ready = false;
        status.started = false;
        void this.push();
      }
      return exit;
    });
    return proc;
  }

  // --- Status ---------------------------------------------------------------------------------

  setCondition(type: string, status: 'True' | 'False', reason?: string, message?: string): void {
    const conditions = (this.status.conditions ??= []);
    const existing = conditions.find((c) => c.type === type);
    const next: V1PodCondition = {
      type,
      status,
      lastProbeTime: undefined,
      lastTransitionTime: existing?.status === status ? existing.lastTransitionTime : new Date(),
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
    if (existing) Object.assign(existing, { reason: undefined, message: undefined }, next);
    else conditions.push(next);
  }

  /** Conditions from the container statuses, as the kubelet derives them. */
  deriveConditions(): void {
    const terminal = this.status.phase === 'Succeeded' || this.status.phase === 'Failed';
    this.setCondition('PodScheduled', 'True');
    const init = this.status.initContainerStatuses ?? [];
    const initSpec = this.pod.spec?.initContainers ?? [];
    const pendingInit = init.filter((s, i) =>
      initSpec[i]?.restartPolicy === 'Always'
        ? !s.state?.running && !s.state?.terminated
        : s.state?.terminated?.exitCode !== 0,
    );
    if (pendingInit.length === 0) this.setCondition('Initialized', 'True');
    else {
      const names = pendingInit.map((s) => s.name).join(' ');
      this.setCondition(
        'Initialized',
        'False',
        'ContainersNotInitialized',
        `containers with incomplete status: [${names}]`,
      );
    }
    const main = this.status.containerStatuses ?? [];
    const notReady = main.filter((s) => !s.ready).map((s) => s.name);
    if (terminal) {
      this.setCondition('ContainersReady', 'False', 'PodCompleted');
      this.setCondition('Ready', 'False', 'PodCompleted');
    } else if (notReady.length > 0) {
      const message = `containers with unready status: [${notReady.join(' ')}]`;
      this.setCondition('ContainersReady', 'False', 'ContainersNotReady', message);
      this.setCondition('Ready', 'False', 'ContainersNotReady', message);
    } else {
      this.setCondition('ContainersReady', 'True');
      this.setCondition('Ready', 'True');
    }
    if (terminal) this.setCondition('PodReadyToStartContainers', 'False');
  }

  /**
   * Writes the local status through pods/status (serialized per pod; read-modify-replace, retried
   * on 409). `final` retries harder. The pod vanishing ends the worker.
   */
  push(final = false): Promise<void> {
    const next = this.pushChain.then(() => this.pushNow(final));
    this.pushChain = next.catch(() => undefined);
    return next;
  }

  async pushNow(final: boolean): Promise<void> {
    if (this.r.stopped || this.ending === 'gone' || this.ending === 'stopped') return;
    this.deriveConditions();
    const core = this.r.core;
    const attempts = final ? 30 : 10;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const current = await core.readNamespacedPodStatus({ namespace: this.namespace, name: this.name });
        if (current.metadata?.uid !== this.uid) {
          this.terminate('gone');
          return;
        }
        // Conditions set by others are kept; an unchanged condition keeps its transition time.
        const existing = current.status?.conditions ?? [];
        const ours = structuredClone(this.status.conditions ?? []).map((c) => {
          const old = existing.find((e) => e.type === c.type);
          return old?.status === c.status && old.lastTransitionTime
            ? { ...c, lastTransitionTime: old.lastTransitionTime }
            : c;
        });
        const theirs = existing.filter((e) => !ours.some((c) => c.type === e.type));
        current.status = {
          ...current.status,
          ...structuredClone(this.status),
          conditions: [...theirs, ...ours],
        };
        await core.replaceNamespacedPodStatus({ namespace: this.namespace, name: this.name, body: current });
        return;
      } catch (e) {
        const code = httpCode(e);
        if (code === 404) {
          this.terminate('gone');
          return;
        }
        if (code !== 409) this.log(`status update failed (attempt ${attempt}): ${describe(e)}`);
        if (code === 422) return;
        await sleep(code === 409 ? 20 : 300);
      }
    }
    this.log('status update gave up');
  }
}

async function writeItem(dir: string, path: string, data: Buffer, mode: number | undefined): Promise<void> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, data);
  await chmod(file, mode ?? 0o644);
}

/** The termination-message file, else (when `fallbackLog` is given) the log's tail. */
async function terminationMessage(file: string, fallbackLog: string): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(TERMINATION_MESSAGE_BYTES);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      const text = buf.subarray(0, bytesRead).toString();
      if (text.trim()) return text;
    } finally {
      await handle.close();
    }
  } catch {
    // No file: fall back to the log.
  }
  if (!fallbackLog) return '';
  const lines = fallbackLog.replace(/\n$/, '').split('\n').slice(-FALLBACK_LOG_LINES).join('\n');
  const bytes = Buffer.from(lines);
  return bytes.length > FALLBACK_LOG_BYTES ? bytes.subarray(-FALLBACK_LOG_BYTES).toString() : lines;
}

/** The kubelet's last word on a deleted pod: delete with grace 0 (uid precondition). */
async function finalizeDelete(r: Runner, pod: V1Pod): Promise<void> {
  const uid = pod.metadata?.uid ?? '';
  r.finalized.add(uid);
  try {
    await r.core.deleteNamespacedPod({
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      // With a body, the apiserver reads the options from it alone (query parameters are ignored).
      body: { gracePeriodSeconds: 0, preconditions: { uid } },
    });
    r.o.log(`${pod.metadata?.namespace}/${pod.metadata?.name}: deleted`);
  } catch (e) {
    const code = httpCode(e);
    if (code !== 404 && code !== 409) {
      r.o.log(`${pod.metadata?.namespace}/${pod.metadata?.name}: final delete failed: ${describe(e)}`);
      r.finalized.delete(uid);
    }
  }
}

async function updateNodeStatus(r: Runner): Promise<void> {
  const name = r.o.nodeName;
  for (let attempt = 0; attempt < 10; attempt++) {
    const node = await r.core.readNodeStatus({ name });
    const now = new Date();
    const previous = node.status?.conditions ?? [];
    const condition = (type: string, status: string, reason: string, message: string): V1NodeCondition => {
      const old = previous.find((c) => c.type === type);
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: now,
        lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : now,
      };
    };
    const resources = {
      cpu: String(cpus().length),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: '110',
      'ephemeral-storage': '128Gi',
    };
    node.status = {
      ...node.status,
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'pod-runner has sufficient memory',
        ),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'pod-runner has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'pod-runner has sufficient PID'),
        condition('Ready', 'True', 'KubeletReady', 'pod-runner is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: LOCALHOST },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        bootID: '',
        containerRuntimeVersion: 'pod-runner://1',
        kernelVersion: release(),
        kubeProxyVersion: '',
        kubeletVersion: 'pod-runner',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'stowage test pod-runner',
        systemUUID: '',
      },
    };
    try {
      await r.core.replaceNodeStatus({ name, body: node });
      return;
    } catch (e) {
      if (httpCode(e) !== 409) throw e;
    }
  }
}

async function registerNode(r: Runner): Promise<void> {
  const name = r.o.nodeName;
  const body: V1Node = {
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
      },
    },
    spec: {},
  };
  try {
    await r.core.createNode({ body });
  } catch (e) {
    if (httpCode(e) !== 409) throw e;
  }
  await updateNodeStatus(r);
}

export async function startPodRunner(options: PodRunnerOptions): Promise<PodRunner> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  const r = new RunnerState(options, kc.makeApiClient(CoreV1Api));
  const log = r.o.log;
  await mkdir(join(r.o.workRoot, 'pods'), { recursive: true });
  await registerNode(r);

  const bind = async (pod: V1Pod): Promise<void> => {
    const uid = pod.metadata?.uid ?? '';
    if (r.binding.has(uid)) return;
    r.binding.add(uid);
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await r.core.createNamespacedPodBinding({
        namespace,
        name,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: r.o.nodeName },
        },
      });
      log(`${namespace}/${name}: bound to ${r.o.nodeName}`);
    } catch (e) {
      const code = httpCode(e);
      if (code !== 404 && code !== 409) {
        log(`${namespace}/${name}: binding failed: ${describe(e)}`);
        r.binding.delete(uid);
      }
    }
  };

  const onPod = (type: string, pod: V1Pod): void => {
    if (r.stopped) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const worker = r.workers.get(uid);
    if (type === 'DELETED') {
      worker?.terminate('gone');
      return;
    }
    const spec = pod.spec;
    if (!spec?.nodeName) {
      if (!pod.metadata?.deletionTimestamp && !spec?.schedulingGates?.length) void bind(pod);
      return;
    }
    if (spec.nodeName !== r.o.nodeName) return;
    if (worker) {
      worker.update(pod);
      if (pod.metadata?.deletionTimestamp) worker.terminate('deleted');
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      if (!r.finalized.has(uid)) void finalizeDelete(r, pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || r.handled.has(uid)) return;
    r.handled.add(uid);
    const w = new PodWorker(r, pod);
    r.workers.set(uid, w);
    r.startedPods.push(`${w.namespace}/${w.name}`);
    w.start();
  };

  const safeOnPod = (type: string, pod: V1Pod): void => {
    try {
      onPod(type, pod);
    } catch (e) {
      log(`handling ${type} ${pod.metadata?.namespace}/${pod.metadata?.name}: ${describe(e)}`);
    }
  };

  /** A full list: every pod handled, and workers of pods that no longer exist ended. */
  const resync = async (): Promise<string | undefined> => {
    const startedAt = new Set(r.workers.keys());
    const list = await r.core.listPodForAllNamespaces();
    const present = new Set(list.items.map((p) => p.metadata?.uid));
    for (const pod of list.items) safeOnPod('MODIFIED', pod);
    for (const uid of startedAt) if (!present.has(uid)) r.workers.get(uid)?.terminate('gone');
    return list.metadata?.resourceVersion;
  };

  const watch = new Watch(kc);
  let watchAbort: AbortController | undefined;
  /** One watch from `resourceVersion`; resolves to the last version seen, or undefined when a relist is due. */
  const watchOnce = (resourceVersion: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      let last: string | undefined = resourceVersion;
      watch
        .watch(
          '/api/v1/pods',
          // The server ends the watch before client-node's 30 s inactivity timeout would.
          { allowWatchBookmarks: true, resourceVersion, timeoutSeconds: 20 },
          (type: string, obj: V1Pod) => {
            if (type === 'ERROR') {
              // 410 Gone (version too old) and the like: list again.
              log(`watch error event: ${(obj as { message?: string }).message ?? type}`);
              last = undefined;
              return;
            }
            if (last !== undefined) last = obj.metadata?.resourceVersion ?? last;
            if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') safeOnPod(type, obj);
          },
          (err: unknown) => {
            if (err && !r.stopped) log(`watch ended: ${describe(err)}`);
            resolve(err ? undefined : last);
          },
        )
        .then(
          (ctrl) => {
            watchAbort = ctrl;
            if (r.stopped) ctrl.abort();
          },
          (e: unknown) => {
            if (!r.stopped) log(`watch failed: ${describe(e)}`);
            resolve(undefined);
          },
        );
    });
  const watchLoop = async (): Promise<void> => {
    let resourceVersion: string | undefined;
    while (!r.stopped) {
      try {
        resourceVersion ??= await resync();
        resourceVersion = resourceVersion ? await watchOnce(resourceVersion) : undefined;
      } catch (e) {
        if (!r.stopped) log(`pod list failed: ${describe(e)}`);
        resourceVersion = undefined;
      }
      if (!r.stopped && resourceVersion === undefined) await sleep(500);
    }
  };
  const loop = watchLoop();

  const resyncTimer = setInterval(() => {
    resync().catch((e: unknown) => log(`resync failed: ${describe(e)}`));
  }, RESYNC_MS);
  const heartbeat = setInterval(() => {
    updateNodeStatus(r).catch((e: unknown) => log(`node heartbeat failed: ${describe(e)}`));
  }, HEARTBEAT_MS);

  // A test run that dies without stop() must not leave container processes behind.
  const killAllSync = (): void => {
    for (const pid of r.groups) signalGroup(pid, 'SIGKILL');
  };
  process.once('exit', killAllSync);

  return {
    async killContainer(namespace, pod, container) {
      const worker = [...r.workers.values()].find((w) => w.namespace === namespace && w.name === pod);
      const proc = [...(worker?.procs.values() ?? [])].find(
        (p) => p.running && (container === undefined || p.container === container),
      );
      if (!worker || !proc) {
        throw new Error(
          `pod-runner: no running container${container ? ` ${container}` : ''} in ${namespace}/${pod}`,
        );
      }
      proc.kill('SIGKILL');
      await proc.done;
    },
    logs(namespace, pod, container) {
      return r.logs.get(`${namespace}/${pod}/${container}`)?.text ?? '';
    },
    started() {
      return [...r.startedPods];
    },
    async stop() {
      if (r.stopped) return;
      r.stopped = true;
      clearInterval(resyncTimer);
      clearInterval(heartbeat);
      watchAbort?.abort();
      const workers = [...r.workers.values()];
      for (const w of workers) w.terminate('stopped');
      await Promise.race([Promise.all(workers.map((w) => w.done)), sleep(10_000)]);
      killAllSync();
      await Promise.race([loop, sleep(2_000)]);
      process.removeListener('exit', killAllSync);
    },
  };
}

/** For tests: whether a process is alive (zombies count as gone). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
