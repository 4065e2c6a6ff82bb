import { describe, expect, it } from 'vitest';
import { updateSessionStatus } from '../../../src/controllers/session-status.ts';
import { reconcileBackupConfiguration } from '../../../src/controllers/backup-configuration/reconcile.ts';
import { createBackupSession } from '../../../src/controllers/backup-session/create.ts';
import { reconcileBackupSession } from '../../../src/controllers/backup-session/reconcile.ts';
import { parseManifests } from '../../../src/api/manifests.ts';
import { readFileSync } from 'node:fs';
import { appBinding, backupConfiguration, controllerContext, ns, repository, secret } from './fixtures.ts';

async function readyWorld(now?: Date) {
  const world = controllerContext(now);
  const { store, ctx } = world;
  for (const file of ['deploy/catalog/postgres.yaml', 'deploy/catalog/update-status.yaml']) {
    for (const { object } of parseManifests(readFileSync(file, 'utf8'), file).objects)
      await store.create(object);
  }
  await store.create(repository());
  await store.create(secret());
  await store.create(appBinding());
  await store.create(backupConfiguration());
  await reconcileBackupConfiguration(ctx, ns, 'bc');
  const bc = (await store.get('BackupConfiguration', ns, 'bc'))!;
  return { ...world, bc };
}

describe('BackupSession reconcile', () => {
  it('given a ready invoker, when a session is reconciled, then one Job runs the resolved Task steps', async () => {
    const { ctx, store, executor, bc } = await readyWorld();
    const session = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:00:00Z') });
    await reconcileBackupSession(ctx, ns, session.metadata.name!);
    const job = [...executor.jobs.values()][0]!;
    expect(job.name).toBe(`stash-backup-${session.metadata.name}-0`);
    expect(job.steps.map((s) => s.name)).toEqual(['postgres-backup-15-1-0', 'update-status-1']);
    expect(job.steps[0]!.args.slice(0, 2)).toEqual(['backup', 'postgres']);
    expect(job.steps[0]!.args).toContain(`--backupsession=${session.metadata.name}`);
    expect(job.steps[0]!.args).toContain('--appbinding=db');
    const status = (await store.get('BackupSession', ns, session.metadata.name!))!.status!;
    expect(status.phase).toBe('Running');
    expect(status.targets?.[0]?.conditions?.[0]).toMatchObject({
      type: 'BackupExecutorEnsured',
      status: 'True',
    });
  });

  it('given another session of the same invoker is Running, when a new one is reconciled, then it is Skipped', async () => {
    const { ctx, store, bc } = await readyWorld();
    const first = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:00:00Z') });
    await reconcileBackupSession(ctx, ns, first.metadata.name!);
    const second = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:01:00Z') });
    await reconcileBackupSession(ctx, ns, second.metadata.name!);
    const status = (await store.get('BackupSession', ns, second.metadata.name!))!.status!;
    expect(status.phase).toBe('Skipped');
    expect(status.conditions?.find((c) => c.type === 'BackupSkipped')).toMatchObject({
      status: 'True',
      reason: 'SkippedTakingNewBackup',
      message: `Skipped taking new backup. Reason: Previous BackupSession: ${first.metadata.name} is "Running".`,
    });
  });

  it('given the Job failed without reporting, when reconciled, then the session ends Failed with the job reason', async () => {
    const { ctx, store, executor, bc } = await readyWorld();
    const session = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:00:00Z') });
    const name = session.metadata.name!;
    await reconcileBackupSession(ctx, ns, name);
    executor.states.set(`${ns}/stash-backup-${name}-0`, {
      phase: 'Failed',
      reason: 'step postgres-backup-15.1-0 was killed by SIGKILL',
    });
    await reconcileBackupSession(ctx, ns, name); // marks the disruption
    await reconcileBackupSession(ctx, ns, name); // finalizes: history, metrics
    const status = (await store.get('BackupSession', ns, name))!.status!;
    expect(status.phase).toBe('Failed');
    expect(status.targets?.[0]?.conditions?.find((c) => c.type === 'BackupDisrupted')?.message).toContain(
      'SIGKILL',
    );
    expect(status.conditions?.find((c) => c.type === 'MetricsPushed')?.status).toBe('True');
    expect(status.sessionDuration).toBeDefined();
  });

  it('given the host reported success, when reconciled, then the session is Succeeded only after metrics are pushed', async () => {
    const { ctx, store, bc } = await readyWorld();
    const session = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:00:00Z') });
    const name = session.metadata.name!;
    await reconcileBackupSession(ctx, ns, name);
    const reported = await updateSessionStatus(store, 'BackupSession', ns, name, ctx.now, (s) => ({
      ...s,
      conditions: [
        { type: 'RetentionPolicyApplied', status: 'True', reason: 'SuccessfullyAppliedRetentionPolicy' },
        {
          type: 'RepositoryIntegrityVerified',
          status: 'True',
          reason: 'SuccessfullyVerifiedRepositoryIntegrity',
        },
        { type: 'RepositoryMetricsPushed', status: 'True', reason: 'SuccessfullyPushedRepositoryMetrics' },
      ],
      targets: s.targets?.map((t) => ({
        ...t,
        stats: [{ hostname: 'host-0', phase: 'Succeeded', snapshots: [{ name: 'abcd1234' }] }],
      })),
    }));
    expect(reported.status?.phase).toBe('Running');
    await reconcileBackupSession(ctx, ns, name);
    const status = (await store.get('BackupSession', ns, name))!.status!;
    expect(status.phase).toBe('Succeeded');
    expect(status.conditions?.map((c) => c.type)).toEqual(
      expect.arrayContaining(['BackupHistoryCleaned', 'MetricsPushed']),
    );
  });

  it('given a session past its deadline, when reconciled, then the job is stopped and the session Failed with DeadlineExceeded', async () => {
    const start = new Date('2026-11-25T10:00:00Z');
    const world = await readyWorld(start);
    await world.store.update({ ...world.bc, spec: { ...world.bc.spec, timeOut: '1m' } });
    const bc = (await world.store.get('BackupConfiguration', ns, 'bc'))!;
    const session = await createBackupSession(world.store, bc, { now: start });
    const name = session.metadata.name!;
    await reconcileBackupSession(world.ctx, ns, name);
    expect((await world.store.get('BackupSession', ns, name))!.status?.sessionDeadline).toBe(
      '2026-11-25T10:01:00.000Z',
    );
    const later = { ...world.ctx, now: () => new Date('2026-11-25T10:02:00Z') };
    await reconcileBackupSession(later, ns, name);
    await reconcileBackupSession(later, ns, name);
    const status = (await world.store.get('BackupSession', ns, name))!.status!;
    expect(status.phase).toBe('Failed');
    expect(status.conditions?.find((c) => c.type === 'DeadlineExceeded')).toMatchObject({
      status: 'True',
      reason: 'FailedToCompleteWithinDeadline',
    });
    expect(world.executor.jobs.size).toBe(0);
  });

  it('given a skipped session, when history is cleaned, then the last completed backup is kept (a skip is no backup)', async () => {
    const { ctx, store, executor, bc } = await readyWorld();
    const done = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:00:00Z') });
    await reconcileBackupSession(ctx, ns, done.metadata.name!);
    executor.states.set(`${ns}/stash-backup-${done.metadata.name}-0`, { phase: 'Failed', reason: 'exit 1' });
    for (let i = 0; i < 3; i++) await reconcileBackupSession(ctx, ns, done.metadata.name!);
    expect((await store.get('BackupSession', ns, done.metadata.name!))?.status?.phase).toBe('Failed');
    const running = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:01:00Z') });
    await reconcileBackupSession(ctx, ns, running.metadata.name!);
    const skipped = await createBackupSession(store, bc, { now: new Date('2026-11-25T10:02:00Z') });
    await reconcileBackupSession(ctx, ns, skipped.metadata.name!);
    expect((await store.get('BackupSession', ns, skipped.metadata.name!))?.status?.phase).toBe('Skipped');
    // backupHistoryLimit 1 keeps the skipped one; the completed one survives as the last completed.
    expect((await store.list('BackupSession', { namespace: ns })).map((x) => x.metadata.name).sort()).toEqual(
      [done, running, skipped].map((x) => x.metadata.name).sort(),
    );
  });
});
