import { describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../api/index.ts';
import { cronJobManifests } from './cron-job-manifest.ts';
import { backupConfiguration, controlledBy, IMAGE } from './test-fixtures.ts';

const bc = (spec: Partial<ObjectOf<'BackupConfiguration'>['spec']> = {}) =>
  backupConfiguration({ name: 'pg.backup', labels: { team: 'a' } }, spec);

describe('cronJobManifests', () => {
  it("is Stash's trigger CronJob: name, owner, schedule, container args", () => {
    const { cronJob, rbac } = cronJobManifests(bc(), { image: IMAGE });
    expect(cronJob.metadata?.name).toBe('stash-trigger-pg-backup');
    expect(cronJob.metadata?.ownerReferences).toEqual(
      controlledBy('BackupConfiguration', 'pg.backup', 'uid-1'),
    );
    expect(cronJob.metadata?.labels).toMatchObject({
      team: 'a',
      'stash.appscode.com/invoker-type': 'BackupConfiguration',
      'stash.appscode.com/invoker-name': 'pg.backup',
    });
    expect(cronJob.spec).toMatchObject({
      schedule: '0 3 * * *',
      suspend: false,
      concurrencyPolicy: 'Forbid',
    });
    const pod = cronJob.spec.jobTemplate.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.serviceAccountName).toBe('stash-trigger-pg-backup');
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({
      name: 'stash-trigger',
      image: IMAGE,
      args: [
        'create-backupsession',
        '--invoker-name=pg.backup',
        '--invoker-kind=BackupConfiguration',
        '--namespace=demo',
      ],
    });
    expect(cronJob.spec.jobTemplate.metadata?.labels).toMatchObject({
      'stash.appscode.com/delete-job-on-completion': 'true',
    });
    expect(rbac.serviceAccount?.metadata?.name).toBe('stash-trigger-pg-backup');
    expect(rbac.role.rules).toEqual([
      {
        apiGroups: ['stash.appscode.com'],
        resources: ['backupconfigurations'],
        resourceNames: ['pg.backup'],
        verbs: ['get'],
      },
      { apiGroups: ['stash.appscode.com'], resources: ['backupsessions'], verbs: ['create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    expect(rbac.roleBinding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'stash-trigger-pg-backup', namespace: 'demo' },
    ]);
  });

  it('is suspended while paused; cross-namespace targets put the namespace in the name', () => {
    const paused = cronJobManifests(bc({ paused: true }), { image: IMAGE }).cronJob;
    expect(paused.spec?.suspend).toBe(true);
    const cross = cronJobManifests(
      bc({ target: { ref: { kind: 'AppBinding', name: 'db', namespace: 'other' } } }),
      { image: IMAGE },
    ).cronJob;
    expect(cross.metadata?.name).toBe('stash-trigger-demo-pg-backup');
  });

  it('applies runtimeSettings where Stash does and binds a named ServiceAccount instead of creating one', () => {
    const { cronJob, rbac } = cronJobManifests(
      bc({
        runtimeSettings: {
          pod: {
            serviceAccountName: 'mine',
            nodeSelector: { disk: 'ssd' },
            securityContext: { runAsUser: 1000 },
          },
          container: {
            resources: { limits: { memory: '64Mi' } },
            env: [{ name: 'A', value: '1' }],
            livenessProbe: { exec: { command: ['true'] } },
          },
        },
      }),
      { image: IMAGE },
    );
    const pod = cronJob.spec.jobTemplate.spec!.template.spec!;
    expect(pod.serviceAccountName).toBe('mine');
    expect(pod.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod.securityContext).toEqual({ runAsUser: 1000 });
    expect(pod.containers[0]!.resources).toEqual({ limits: { memory: '64Mi' } });
    expect(pod.containers[0]!.env).toContainEqual({ name: 'A', value: '1' });
    // Only resources, env, envFrom and securityContext reach the trigger container.
    expect(pod.containers[0]!.livenessProbe).toBeUndefined();
    expect(rbac.serviceAccount).toBeUndefined();
    expect(rbac.roleBinding.subjects?.[0]?.name).toBe('mine');
  });
});
