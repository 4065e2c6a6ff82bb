/**
 * CronJobScheduler against a real API server and the real CronJob controller: the trigger
 * CronJob is Stash's (name, owner, schedule, suspend), its ServiceAccount may do exactly what
 * `create-backupsession` needs (asked of the server's RBAC authorizer), the CronJob controller
 * accepts it and starts a trigger Job, and deleting the BackupConfiguration collects it all.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import { STOWAGE_IMAGE as IMAGE } from '../../../src/cli/config.ts';
import { StowageError } from '../../../src/errors.ts';
import { CronJobScheduler } from '../../../src/runtime/kubernetes/kube-scheduler.ts';
import { backupConfiguration } from '../../unit/controllers/fixtures.ts';
import { useKubeTestEnv } from './kube-env-hooks.ts';
import {
  eventually,
  eventuallyCollected,
  inNamespace,
  newNamespace,
  serviceAccountCan,
} from './kube-support.ts';

const env = useKubeTestEnv();
let scheduler: CronJobScheduler;

beforeAll(() => {
  scheduler = new CronJobScheduler({ clients: env.clients, image: IMAGE });
});

/** The shared builder's BackupConfiguration (every 5 minutes), in `namespace`. */
const bc = (namespace: string, name: string, spec: Partial<ObjectOf<'BackupConfiguration'>['spec']> = {}) =>
  inNamespace(namespace, backupConfiguration(name, spec));

const readCronJob = (ns: string, name: string) =>
  env.clients.batch.readNamespacedCronJob({ namespace: ns, name });

describe('CronJobScheduler', () => {
  it('creates the trigger CronJob, owned by the BackupConfiguration, and keeps it in step', async () => {
    const ns = await newNamespace(env.clients, 'sched');
    const config = await env.store.create<'BackupConfiguration'>(
      bc(ns, 'pg', { runtimeSettings: { pod: { nodeSelector: { disk: 'ssd' } } } }),
    );
    const name = await scheduler.ensure(config);
    expect(name).toBe('stash-trigger-pg');

    const cj = await readCronJob(ns, name);
    expect(cj.spec).toMatchObject({ schedule: '*/5 * * * *', suspend: false, concurrencyPolicy: 'Forbid' });
    expect(cj.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'stash.appscode.com/v1beta1',
        kind: 'BackupConfiguration',
        name: 'pg',
        uid: config.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const pod = cj.spec.jobTemplate.spec!.template.spec!;
    expect(pod.serviceAccountName).toBe('stash-trigger-pg');
    expect(pod.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod.containers[0]).toMatchObject({
      name: 'stash-trigger',
      image: IMAGE,
      args: [
        'create-backupsession',
        '--invoker-name=pg',
        '--invoker-kind=BackupConfiguration',
        `--namespace=${ns}`,
      ],
    });

    // Level-triggered: ensuring again with nothing changed writes nothing.
    await scheduler.ensure(config);
    expect((await readCronJob(ns, name)).metadata?.resourceVersion).toBe(cj.metadata?.resourceVersion);

    // Paused → suspended; a new schedule is applied.
    const paused = await env.store.update<'BackupConfiguration'>({
      ...config,
      spec: { ...config.spec, paused: true, schedule: '0 3 * * *' },
    });
    await scheduler.ensure(paused);
    const suspended = await readCronJob(ns, name);
    expect(suspended.spec).toMatchObject({ suspend: true, schedule: '0 3 * * *' });
    await scheduler.ensure({ ...paused, spec: { ...paused.spec, paused: false } });
    expect((await readCronJob(ns, name)).spec?.suspend).toBe(false);

    // remove() deletes the CronJob; again is a no-op.
    await scheduler.remove(ns, 'pg');
    await expect(readCronJob(ns, name)).rejects.toMatchObject({ code: 404 });
    await scheduler.remove(ns, 'pg');
  });

  it('gives the trigger pod only what create-backupsession needs', async () => {
    const ns = await newNamespace(env.clients, 'sched-rbac');
    const config = await env.store.create<'BackupConfiguration'>(bc(ns, 'pg'));
    const sa = await scheduler.ensure(config);
    const can = (verb: string, resource: string, name?: string, group = 'stash.appscode.com') =>
      serviceAccountCan(env.clients, ns, sa, { verb, resource, group, ...(name ? { name } : {}) });
    expect(await can('get', 'backupconfigurations', 'pg')).toBe(true);
    expect(await can('create', 'backupsessions')).toBe(true);
    expect(await can('create', 'events', undefined, '')).toBe(true);
    expect(await can('get', 'backupconfigurations', 'someone-else')).toBe(false);
    expect(await can('delete', 'backupsessions')).toBe(false);
    expect(await can('update', 'backupconfigurations', 'pg')).toBe(false);
    expect(await can('get', 'secrets', undefined, '')).toBe(false);
  });

  it('is accepted by the CronJob controller, which starts a trigger Job from it', async () => {
    const ns = await newNamespace(env.clients, 'sched-fire');
    const config = await env.store.create<'BackupConfiguration'>(bc(ns, 'pg', { schedule: '* * * * *' }));
    const name = await scheduler.ensure(config);
    const cj = await readCronJob(ns, name);
    const job = await eventually(
      'the CronJob controller to create a trigger Job',
      async () => (await env.clients.batch.listNamespacedJob({ namespace: ns })).items[0],
      90_000,
    );
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', uid: cj.metadata?.uid });
    expect(job.metadata?.labels).toMatchObject({ 'stash.appscode.com/delete-job-on-completion': 'true' });
    expect(job.spec?.template.spec?.containers[0]?.args?.[0]).toBe('create-backupsession');
  });

  it('rejects an invalid schedule with the field, and collects everything with the BackupConfiguration', async () => {
    const ns = await newNamespace(env.clients, 'sched-gc');
    const bad = await env.store.create<'BackupConfiguration'>(
      bc(ns, 'bad', { schedule: 'every now and then' }),
    );
    const e = await scheduler.ensure(bad).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StowageError);
    expect((e as StowageError).code).toBe('INVALID_INPUT');
    expect((e as StowageError).message).toContain('spec.schedule');

    const config = await env.store.create<'BackupConfiguration'>(bc(ns, 'pg'));
    const name = await scheduler.ensure(config);
    await env.store.delete('BackupConfiguration', ns, 'pg');
    await eventuallyCollected(
      env.clients,
      ns,
      ['CronJob', 'ServiceAccount', 'Role', 'RoleBinding'],
      (_kind, o) => o.metadata?.name === name,
    );
  });
});
