import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../controllers/store.ts';
import { jobManifests } from './job-manifest.ts';
import { controlledBy, IMAGE } from './test-fixtures.ts';

const step = (name: string, env: Record<string, string> = {}) => ({
  name,
  image: IMAGE,
  command: [],
  args: [name, '--namespace=demo'],
  env,
});

function spec(o: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'stash-backup-pg-1700000000-0',
    namespace: 'demo',
    owner: { kind: 'BackupSession', name: 'pg-1700000000', uid: 'sess-uid' },
    steps: [step('postgres-backup-15-1-0', { A: '1' }), step('update-status-1')],
    interimVolume: false,
    ...o,
  };
}

describe('jobManifests', () => {
  it('lays steps out as Stash does: init containers in order, the last one main; owned by the session', () => {
    const { job, pvc, rbac } = jobManifests(spec({ steps: [step('a'), step('b'), step('c')] }), {
      ownerUid: 'sess-uid',
    });
    expect(job.metadata?.name).toBe('stash-backup-pg-1700000000-0');
    expect(job.metadata?.ownerReferences).toEqual(controlledBy('BackupSession', 'pg-1700000000', 'sess-uid'));
    expect(job.spec?.backoffLimit).toBe(0);
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['a', 'b']);
    expect(pod.containers.map((c) => c.name)).toEqual(['c']);
    expect(pod.serviceAccountName).toBe(job.metadata?.name);
    expect(pod.securityContext).toEqual({ runAsUser: 65535 });
    expect(pod.volumes).toEqual([{ name: 'stash-tmp-dir', emptyDir: {} }]);
    for (const c of [...pod.initContainers!, ...pod.containers])
      expect(c.volumeMounts).toEqual([{ name: 'stash-tmp-dir', mountPath: '/stash-tmp' }]);
    expect(pvc).toBeUndefined();
    expect(rbac.serviceAccount?.metadata?.name).toBe(job.metadata?.name);
    expect(rbac.role.metadata?.ownerReferences?.[0]?.uid).toBe('sess-uid');
  });

  it('passes step env as plain values after the runtime and the downward-API pod identity', () => {
    const { job } = jobManifests(spec(), { ownerUid: 'sess-uid' });
    const env = job.spec!.template.spec!.initContainers![0]!.env!;
    expect(env.map((e) => e.name)).toEqual(['STOWAGE_RUNTIME', 'POD_NAME', 'POD_NAMESPACE', 'A']);
    expect(env[0]).toEqual({ name: 'STOWAGE_RUNTIME', value: 'kubernetes' });
    expect(env[3]).toEqual({ name: 'A', value: '1' });
  });

  it('creates the interim PVC from the template, owned by the session, mounted everywhere', () => {
    const { job, pvc } = jobManifests(
      spec({
        interimVolume: true,
        interimVolumeTemplate: {
          metadata: { name: 'tmp-storage', labels: { x: 'y' } },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
        tempDir: { medium: 'Memory', sizeLimit: '256Mi' },
      }),
      { ownerUid: 'sess-uid' },
    );
    expect(pvc?.metadata?.name).toBe('pg-1700000000-tmp-storage');
    expect(pvc?.metadata?.labels).toMatchObject({ x: 'y' });
    expect(pvc?.metadata?.ownerReferences?.[0]?.kind).toBe('BackupSession');
    expect(pvc?.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
    const pod = job.spec!.template.spec!;
    expect(pod.volumes).toEqual([
      { name: 'stash-tmp-dir', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
      { name: 'stash-interim-volume', persistentVolumeClaim: { claimName: 'pg-1700000000-tmp-storage' } },
    ]);
    expect(pod.containers[0]!.volumeMounts).toContainEqual({
      name: 'stash-interim-volume',
      mountPath: '/stash-interim-volume',
    });
  });

  it('restores as root by default; runtimeSettings override and bind a named ServiceAccount', () => {
    const restore = jobManifests(spec({ owner: { kind: 'RestoreSession', name: 'rs', uid: 'u' } }), {
      ownerUid: 'u',
    });
    expect(restore.job.spec!.template.spec!.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0 });
    expect(restore.rbac.role.rules?.[0]).toEqual({
      apiGroups: ['stash.appscode.com'],
      resources: ['restoresessions', 'restoresessions/status'],
      resourceNames: ['rs'],
      verbs: ['get', 'update', 'patch'],
    });
    const tuned = jobManifests(
      spec({
        runtimeSettings: {
          pod: { serviceAccountName: 'sa', securityContext: { fsGroup: 65534 }, nodeSelector: { a: 'b' } },
          container: { resources: { limits: { cpu: '1' } }, nice: { adjustment: 5 } },
        },
      }),
      { ownerUid: 'sess-uid' },
    );
    const pod = tuned.job.spec!.template.spec!;
    expect(pod.serviceAccountName).toBe('sa');
    expect(pod.securityContext).toEqual({ fsGroup: 65534 });
    expect(pod.nodeSelector).toEqual({ a: 'b' });
    expect(pod.containers[0]!.resources).toEqual({ limits: { cpu: '1' } });
    expect(pod.containers[0]!.env).toContainEqual({ name: 'NICE_ADJUSTMENT', value: '5' });
    expect(tuned.rbac.serviceAccount).toBeUndefined();
  });

  it('refuses a Job without steps', () => {
    expect(() => jobManifests(spec({ steps: [] }), { ownerUid: 'x' })).toThrow(/no steps/);
  });
});

describe('jobManifests: a local backend', () => {
  it("mounts the Repository's volume source at its mountPath, as Stash does", () => {
    const { job } = jobManifests(
      spec({
        repository: {
          namespace: 'demo',
          name: 'repo',
          local: { mountPath: '/safe/data', subPath: 'pg', persistentVolumeClaim: { claimName: 'backups' } },
        },
      }),
      { ownerUid: 'sess-uid' },
    );
    const pod = job.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({
      name: 'stash-local-backend',
      persistentVolumeClaim: { claimName: 'backups' },
    });
    for (const c of [...pod.initContainers!, ...pod.containers])
      expect(c.volumeMounts).toContainEqual({
        name: 'stash-local-backend',
        mountPath: '/safe/data',
        subPath: 'pg',
      });
  });

  it('adds no volume when the local backend names only a path', () => {
    const { job } = jobManifests(
      spec({ repository: { namespace: 'demo', name: 'repo', local: { mountPath: '/safe/data' } } }),
      { ownerUid: 'sess-uid' },
    );
    expect(job.spec!.template.spec!.volumes?.map((v) => v.name)).toEqual(['stash-tmp-dir']);
  });
});
