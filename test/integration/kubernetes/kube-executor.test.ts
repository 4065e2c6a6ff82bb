/**
 * JobExecutor against a real API server and the real Job controller. There is no kubelet, so the
 * test plays one: it writes the pod's status through the pods/status subresource, exactly what a
 * kubelet reports, and the Job controller turns that into the Job's Failed/Complete condition,
 * which state() reads back with the failing step.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import { STOWAGE_IMAGE as IMAGE } from '../../../src/cli/config.ts';
import type { JobSpec, JobState } from '../../../src/controllers/store.ts';
import { JobExecutor } from '../../../src/runtime/kubernetes/kube-executor.ts';
import { useKubeTestEnv } from './kube-env-hooks.ts';
import { eventually, eventuallyCollected, newNamespace, serviceAccountCan } from './kube-support.ts';

const env = useKubeTestEnv();
let executor: JobExecutor;

beforeAll(() => {
  executor = new JobExecutor({ clients: env.clients });
});

async function newSession(ns: string, name: string): Promise<ObjectOf<'BackupSession'>> {
  return env.store.create<'BackupSession'>({
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupSession',
    metadata: { name, namespace: ns },
    spec: { invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: 'pg' } },
  } as ObjectOf<'BackupSession'>);
}

const step = (name: string, env: Record<string, string> = {}) => ({
  name,
  image: IMAGE,
  command: [],
  args: [name],
  env,
});

function jobSpec(ns: string, session: ObjectOf<'BackupSession'>, o: Partial<JobSpec> = {}): JobSpec {
  const name = `stash-backup-${session.metadata.name}-0`;
  return {
    name,
    namespace: ns,
    owner: { kind: 'BackupSession', name: session.metadata.name ?? '', uid: session.metadata.uid ?? '' },
    steps: [
      step('pre', { STEP: 'pre' }),
      step('postgres-backup-15-1-0', { DB: 'app', INTERIM_DATA_DIR: '/stash-interim-volume/data' }),
      step('update-status-1'),
    ],
    interimVolume: false,
    ...o,
  };
}

const podOf = (ns: string, jobName: string) =>
  eventually<V1Pod>(`the Job controller to create the pod of ${jobName}`, async () => {
    const pods = await env.clients.core.listNamespacedPod({
      namespace: ns,
      labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
    });
    return pods.items[0];
  });

const terminated = (name: string, exitCode: number): V1ContainerStatus => ({
  name,
  image: IMAGE,
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } },
});
const waiting = (name: string): V1ContainerStatus => ({
  name,
  image: IMAGE,
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason: 'PodInitializing' } },
});

/** What a kubelet would write when the pod ends. */
async function reportPod(pod: V1Pod, status: V1Pod['status']): Promise<void> {
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const current = await env.clients.core.readNamespacedPod({ namespace: ns, name });
  await env.clients.core.replaceNamespacedPodStatus({
    namespace: ns,
    name,
    body: { ...current, status: { ...current.status, ...status } },
  });
}

/**
 * A session's Job in a new namespace whose pod ends in `phase` with these container statuses
 * (written as a kubelet would), and the state the executor reports once the Job controller agrees.
 */
async function jobEndedAs(
  prefix: string,
  phase: JobState['phase'],
  statuses: Pick<NonNullable<V1Pod['status']>, 'initContainerStatuses' | 'containerStatuses'>,
): Promise<{ ns: string; spec: JobSpec; state: JobState }> {
  const ns = await newNamespace(env.clients, prefix);
  const spec = jobSpec(ns, await newSession(ns, 'pg'));
  await executor.ensure(spec);
  await reportPod(await podOf(ns, spec.name), { phase, ...statuses });
  const state = await eventually(`the Job to end ${phase}`, async () => {
    const s = await executor.state(ns, spec.name);
    return s?.phase === phase ? s : undefined;
  });
  return { ns, spec, state };
}

describe('JobExecutor', () => {
  it("creates Stash's Job layout, owned by the session, that the Job controller turns into a pod", async () => {
    const ns = await newNamespace(env.clients, 'exec');
    const session = await newSession(ns, 'pg-1');
    const spec = jobSpec(ns, session, {
      interimVolume: true,
      interimVolumeTemplate: {
        metadata: { name: 'tmp-storage' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await executor.ensure(spec);

    const job = await env.clients.batch.readNamespacedJob({ namespace: ns, name: spec.name });
    expect(job.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'BackupSession',
        name: 'pg-1',
        uid: session.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(job.spec?.backoffLimit).toBe(0);
    const pvc = await env.clients.core.readNamespacedPersistentVolumeClaim({
      namespace: ns,
      name: 'pg-1-tmp-storage',
    });
    expect(pvc.metadata?.ownerReferences?.[0]?.uid).toBe(session.metadata.uid);
    expect(pvc.spec?.resources?.requests).toEqual({ storage: '1Gi' });

    const pod = await podOf(ns, spec.name);
    expect(pod.spec?.initContainers?.map((c) => c.name)).toEqual(['pre', 'postgres-backup-15-1-0']);
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['update-status-1']);
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.serviceAccountName).toBe(spec.name);
    const dump = pod.spec!.initContainers![1]!;
    expect(dump.image).toBe(IMAGE);
    expect(dump.args).toEqual(['postgres-backup-15-1-0']);
    expect(dump.env).toEqual(
      expect.arrayContaining([
        { name: 'DB', value: 'app' },
        { name: 'INTERIM_DATA_DIR', value: '/stash-interim-volume/data' },
      ]),
    );
    expect(dump.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'stash-tmp-dir', mountPath: '/stash-tmp' },
        { name: 'stash-interim-volume', mountPath: '/stash-interim-volume' },
      ]),
    );
    expect(pod.spec?.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'stash-tmp-dir', emptyDir: {} }),
        expect.objectContaining({
          name: 'stash-interim-volume',
          persistentVolumeClaim: { claimName: 'pg-1-tmp-storage' },
        }),
      ]),
    );
    expect(await executor.state(ns, spec.name)).toEqual({ phase: 'Pending' });

    // Idempotent: the same Job stays.
    await executor.ensure(spec);
    expect(
      (await env.clients.batch.readNamespacedJob({ namespace: ns, name: spec.name })).metadata?.uid,
    ).toBe(job.metadata?.uid);
    expect(await executor.state(ns, 'absent')).toBeUndefined();

    // Deleting the session collects the Job, its pod, the PVC and the RBAC.
    await env.store.delete('BackupSession', ns, 'pg-1');
    // PVCs carry the kubernetes.io/pvc-protection finalizer: being deleted is what we can see.
    await eventuallyCollected(
      env.clients,
      ns,
      ['Job', 'Pod', 'PersistentVolumeClaim', 'Role'],
      (kind, o) => kind !== 'PersistentVolumeClaim' || !o.metadata?.deletionTimestamp,
    );
  });

  it('reports Failed with the failing step once the pod fails', async () => {
    const { ns, spec, state } = await jobEndedAs('exec-fail', 'Failed', {
      initContainerStatuses: [terminated('pre', 0), terminated('postgres-backup-15-1-0', 3)],
      containerStatuses: [waiting('update-status-1')],
    });
    expect(state).toEqual({ phase: 'Failed', reason: 'step postgres-backup-15-1-0 exited with code 3' });

    await executor.delete(ns, spec.name);
    expect(await executor.state(ns, spec.name)).toBeUndefined();
    await eventually('the pod to be collected', async () => {
      const pods = await env.clients.core.listNamespacedPod({ namespace: ns });
      return pods.items.length === 0 ? true : undefined;
    });
    await executor.delete(ns, spec.name);
  });

  it('reports Succeeded once every container ends well', async () => {
    const { state } = await jobEndedAs('exec-ok', 'Succeeded', {
      initContainerStatuses: [terminated('pre', 0), terminated('postgres-backup-15-1-0', 0)],
      containerStatuses: [terminated('update-status-1', 0)],
    });
    expect(state).toEqual({ phase: 'Succeeded' });
  });

  it("lets the step's ServiceAccount reach its own session, the repository and secrets — nothing else", async () => {
    const ns = await newNamespace(env.clients, 'exec-rbac');
    const session = await newSession(ns, 'pg-4');
    const spec = jobSpec(ns, session);
    await executor.ensure(spec);
    const can = (
      verb: string,
      resource: string,
      o: { name?: string; subresource?: string; group?: string } = {},
    ) =>
      serviceAccountCan(env.clients, ns, spec.name, {
        verb,
        resource,
        group: o.group ?? 'stash.appscode.com',
        ...(o.name ? { name: o.name } : {}),
        ...(o.subresource ? { subresource: o.subresource } : {}),
      });
    expect(await can('update', 'backupsessions', { name: 'pg-4', subresource: 'status' })).toBe(true);
    expect(await can('get', 'backupsessions', { name: 'pg-4' })).toBe(true);
    expect(await can('update', 'backupsessions', { name: 'another', subresource: 'status' })).toBe(false);
    expect(await can('get', 'backupconfigurations', { name: 'pg' })).toBe(true);
    expect(await can('get', 'repositories', { name: 'repo' })).toBe(true);
    expect(await can('update', 'repositories', { name: 'repo', subresource: 'status' })).toBe(true);
    expect(await can('update', 'repositories', { name: 'repo' })).toBe(false);
    expect(await can('get', 'appbindings', { name: 'db', group: 'appcatalog.appscode.com' })).toBe(true);
    expect(await can('get', 'secrets', { name: 'creds', group: '' })).toBe(true);
    expect(await can('list', 'secrets', { group: '' })).toBe(false);
    expect(await can('create', 'events', { group: '' })).toBe(true);
    expect(await can('delete', 'backupsessions', { name: 'pg-4' })).toBe(false);
    expect(await can('create', 'backupsessions')).toBe(false);
  });
});
