/**
 * The Job that runs a session's steps (stash-spec §3.3): every step but the last is an init
 * container, in order, so the kubelet runs them one after another and the first failure fails the
 * pod; the last is the main container. backoffLimit 0 and restartPolicy Never: a failed backup is
 * reported, not silently re-run. The Job, its interim PVC and its RBAC are owned by the session,
 * so deleting the session garbage-collects all of them.
 *
 * The volumes are the paths the steps are written against (and that the standalone job runner
 * maps onto folders): `stash-tmp-dir` at /stash-tmp, and the interim volume at
 * /stash-interim-volume — a PVC from interimVolumeTemplate.
 */
import type {
  V1Container,
  V1EnvVar,
  V1Job,
  V1ObjectMeta,
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1PodSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { JobSpec, JobStep } from '../../controllers/store.ts';
import { interimPvcName } from '../../core/naming.ts';
import { StowageError } from '../../errors.ts';
import { POD_ENV } from './pod-env.ts';
import { controllerRef, jobRules, rbacSet, type RbacSet } from './rbac-manifests.ts';
import {
  applyContainerSettings,
  applyPodSettings,
  podTemplateMeta,
  serviceAccountNameOf,
  upsertEnv,
} from './runtime-settings.ts';
import { LABEL_COMPONENT, LABEL_MANAGED_BY, LABEL_SESSION, MANAGED_BY_STASH } from '../../api/well-known.ts';
import {
  INTERIM_MOUNT_PATH,
  INTERIM_VOLUME,
  LOCAL_BACKEND_VOLUME,
  SCRATCH_DIR,
  SCRATCH_VOLUME,
} from '../../core/job-volumes.ts';

const SESSION_API_VERSION = 'stash.appscode.com/v1beta1';

interface JobManifests {
  job: V1Job;
  /** Present when the invoker has an interimVolumeTemplate. */
  pvc?: V1PersistentVolumeClaim;
  rbac: RbacSet;
}

/** Stash's defaults (backup runs unprivileged; restore writes files as root), unless runtimeSettings say otherwise. */
function defaultPodSecurityContext(kind: JobSpec['owner']['kind']): V1PodSpec['securityContext'] {
  return kind === 'BackupSession' ? { runAsUser: 65535 } : { runAsUser: 0, runAsGroup: 0 };
}

function container(
  step: JobStep,
  mounts: V1VolumeMount[],
  settings: JobSpec['runtimeSettings'],
): V1Container {
  const stepEnv: V1EnvVar[] = Object.entries(step.env).map(([name, value]) => ({ name, value }));
  return applyContainerSettings(
    {
      name: step.name,
      image: step.image,
      imagePullPolicy: 'IfNotPresent',
      ...(step.command.length ? { command: step.command } : {}),
      ...(step.args.length ? { args: step.args } : {}),
      env: upsertEnv([...POD_ENV], stepEnv),
      volumeMounts: mounts,
    },
    settings?.container,
  );
}

export function jobManifests(job: JobSpec, o: { ownerUid: string }): JobManifests {
  if (job.steps.length === 0)
    throw new StowageError('INVALID_INPUT', `Job ${job.namespace}/${job.name} has no steps to run`);
  const owned = ownedBy(job, o.ownerUid);
  const storage = [scratchStorage(job), interimStorage(job, owned), localBackendStorage(job)];
  const pvc = storage.find((s) => s?.pvc)?.pvc;
  const pod = job.runtimeSettings?.pod;
  const userSa = serviceAccountNameOf(pod);
  const mounts = storage.flatMap((s) => (s ? [s.mount] : []));
  const containers = job.steps.map((s) => container(s, mounts, job.runtimeSettings));
  const podSpec = applyPodSettings(
    {
      restartPolicy: 'Never',
      serviceAccountName: userSa ?? job.name,
      // The steps talk to the API server (status, events) with this account's token.
      automountServiceAccountToken: true,
      securityContext: defaultPodSecurityContext(job.owner.kind),
      initContainers: containers.slice(0, -1),
      containers: containers.slice(-1),
      volumes: storage.flatMap((s) => (s ? [s.volume] : [])),
    },
    pod,
  );
  return {
    rbac: rbacSet({
      name: job.name,
      namespace: job.namespace,
      ...(userSa ? { serviceAccountName: userSa } : {}),
      rules: jobRules(job.owner),
      owner: owned.owner,
      labels: owned.labels,
    }),
    ...(pvc ? { pvc } : {}),
    job: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: owned.meta(job.name),
      spec: { backoffLimit: 0, template: { metadata: podTemplateMeta(pod, owned.labels), spec: podSpec } },
    },
  };
}

/** What the session owns: its controller reference, the labels that find it, and metadata with both. */
interface Owned {
  owner: V1OwnerReference;
  labels: Record<string, string>;
  meta: (name: string) => V1ObjectMeta;
}

function ownedBy(job: JobSpec, ownerUid: string): Owned {
  const owner = controllerRef({
    apiVersion: SESSION_API_VERSION,
    kind: job.owner.kind,
    name: job.owner.name,
    uid: ownerUid,
  });
  const labels: Record<string, string> = {
    [LABEL_MANAGED_BY]: MANAGED_BY_STASH,
    [LABEL_COMPONENT]: job.owner.kind === 'BackupSession' ? 'stash-backup' : 'stash-restore',
    [LABEL_SESSION]: job.owner.name,
  };
  return {
    owner,
    labels,
    meta: (name) => ({ name, namespace: job.namespace, labels, ownerReferences: [owner] }),
  };
}

/** A volume of the pod, where the steps mount it, and the claim to create for it (if any). */
interface Storage {
  volume: V1Volume;
  mount: V1VolumeMount;
  pvc?: V1PersistentVolumeClaim;
}

/** The scratch emptyDir, sized and placed as the invoker's tempDir says. */
function scratchStorage(job: JobSpec): Storage {
  const emptyDir = {
    ...(job.tempDir?.medium ? { medium: job.tempDir.medium } : {}),
    ...(job.tempDir?.sizeLimit !== undefined ? { sizeLimit: String(job.tempDir.sizeLimit) } : {}),
  };
  return {
    volume: { name: SCRATCH_VOLUME, emptyDir },
    mount: { name: SCRATCH_VOLUME, mountPath: SCRATCH_DIR },
  };
}

/** The interim volume: a PVC from the invoker's interimVolumeTemplate, owned by the session. */
function interimStorage(job: JobSpec, owned: Owned): Storage | undefined {
  if (!job.interimVolume) return undefined;
  const mount = { name: INTERIM_VOLUME, mountPath: INTERIM_MOUNT_PATH };
  const template = job.interimVolumeTemplate;
  // Requested without a template (no claim to make): scratch space for the pod's lifetime.
  if (!template) return { volume: { name: INTERIM_VOLUME, emptyDir: {} }, mount };
  const tmeta = template.metadata ?? {};
  const name = interimPvcName(job.owner.name, tmeta.name ?? INTERIM_VOLUME);
  const pvc: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...owned.meta(name),
      labels: { ...((tmeta.labels ?? {}) as Record<string, string>), ...owned.labels },
      ...(tmeta.annotations ? { annotations: tmeta.annotations as Record<string, string> } : {}),
    },
    spec: (template.spec ?? {}) as V1PersistentVolumeClaim['spec'],
  };
  return { volume: { name: INTERIM_VOLUME, persistentVolumeClaim: { claimName: name } }, mount, pvc };
}

/**
 * A local backend is a volume (hostPath, NFS, a PVC…) mounted where the Repository says, as Stash
 * mounts it; without a volume source the path is taken to exist on the node already.
 */
function localBackendStorage(job: JobSpec): Storage | undefined {
  const local = job.repository?.local;
  if (!local) return undefined;
  const { mountPath, subPath, ...source } = local;
  if (Object.keys(source).length === 0) return undefined;
  return {
    volume: { name: LOCAL_BACKEND_VOLUME, ...(source as Omit<V1Volume, 'name'>) },
    mount: { name: LOCAL_BACKEND_VOLUME, mountPath, ...(subPath ? { subPath } : {}) },
  };
}
