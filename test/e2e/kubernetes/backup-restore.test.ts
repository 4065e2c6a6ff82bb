/**
 * The operator on a real API server: a scheduled backup of a real PostgreSQL through CronJob →
 * BackupSession → Job → restic → MinIO, with statuses, conditions, Repository status and the
 * Stash metrics on a real Pushgateway; the restore; pause/resume; a killed job pod; the operator
 * killed mid-session. Pods run as local processes through the harness's pod runner; everything
 * else (CronJob and Job controllers, RBAC, tokens, garbage collection) is the real Kubernetes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeStowage } from '../../harness/kube-stowage.ts';
import { startMinio, type Minio } from '../../harness/minio.ts';
import { seedDatabases, startPostgres, tableChecksums, type PostgresServer } from '../../harness/postgres.ts';
import { parseExposition, startPushgateway, type Pushgateway } from '../../harness/pushgateway.ts';
import { sleep, waitFor } from '../../harness/wait.ts';
import { dropAndRestore, expectRepositoryHolds, expectSucceededBackup } from '../scenarios/backup.ts';
import { condition } from '../support/conditions.ts';
import { seedLargeDatabase } from '../support/large-data.ts';
import { backupStack, minioRepository, repoName, type Names } from '../support/manifests.ts';

let pg: PostgresServer;
let minio: Minio;
let pushgateway: Pushgateway;
let kube: KubeStowage;
const BUCKET = 'stowage-kube-e2e';

beforeAll(async () => {
  [pg, minio, pushgateway] = await Promise.all([startPostgres(), startMinio(), startPushgateway()]);
  kube = await KubeStowage.create({ name: 'backup-restore', pushgatewayUrl: pushgateway.url });
  await Promise.all([
    seedDatabases(pg.superuserUrl, { databases: ['shop', 'crm'], tables: 2, rows: 1_000 }),
    seedLargeDatabase(pg.superuserUrl, 'big', 48),
    kube.start(),
  ]);
}, 300_000);

afterAll(async () => {
  await kube?.cleanup();
  await Promise.all([pg?.stop(), minio?.stop(), pushgateway?.stop()]);
});

const place = (prefix: string) => minioRepository(minio, BUCKET, prefix);

async function cronJobOf(ns: string, bc: string) {
  const list = await kube.clients.batch.listNamespacedCronJob({ namespace: ns });
  return list.items.find((c) => c.metadata?.ownerReferences?.some((r) => r.name === bc));
}

async function setPaused(ns: string, bc: string, paused: boolean): Promise<void> {
  const cur = await kube.get('BackupConfiguration', ns, bc);
  if (!cur) throw new Error(`BackupConfiguration ${ns}/${bc} missing`);
  await kube.store.update({ ...cur, spec: { ...cur.spec, paused } });
}

describe('operator on a real API server', () => {
  const n: Names = { namespace: 'kube-pg', bc: 'pg-backup' };

  it('a scheduled backup runs through CronJob → BackupSession → Job and reports everything', async () => {
    const shop = place('postgres/shop');
    const bc = await kube.setUpBackup(n, backupStack(n, pg, shop, { bcSpec: { schedule: '* * * * *' } }));
    for (const type of [
      'RepositoryFound',
      'BackendSecretFound',
      'ValidationPassed',
      'BackupTargetFound',
      'CronJobCreated',
    ])
      expect(condition(bc, type)?.status, type).toBe('True');
    const cron = await cronJobOf(n.namespace, n.bc);
    expect(cron?.spec?.schedule).toBe('* * * * *');
    expect(cron?.spec?.suspend).toBe(false);

    // The CronJob controller fires at the next minute; its pod runs `create-backupsession`.
    const first = await waitFor(
      'a BackupSession created by the CronJob',
      async () => (await kube.backupSessions(n.namespace, n.bc))[0],
      { timeoutMs: 150_000, intervalMs: 1_000 },
    );
    await setPaused(n.namespace, n.bc, true);
    const session = await kube.expectFinal(
      'BackupSession',
      n.namespace,
      first.metadata.name!,
      'Succeeded',
      240_000,
    );
    const snap = expectSucceededBackup(session);
    await expectRepositoryHolds(kube, { namespace: n.namespace, name: repoName(n) }, shop, snap.name!);

    // The Job the operator created ran to completion under the real Job controller (which may
    // mark it Complete a moment after the steps reported).
    await waitFor('the backup Job to be Complete', async () => {
      const jobs = await kube.clients.batch.listNamespacedJob({ namespace: n.namespace });
      const job = jobs.items.find((j) =>
        j.metadata?.ownerReferences?.some(
          (r) => r.kind === 'BackupSession' && r.name === first.metadata.name,
        ),
      );
      return job?.status?.conditions?.find((c) => c.type === 'Complete')?.status === 'True' ? job : undefined;
    });

    const samples = parseExposition(await pushgateway.scrape()).filter(
      (s) => s.labels.job === `backupconfiguration-${n.namespace}-${n.bc}`,
    );
    const success = samples.find((s) => s.name === 'stash_appscode_com_backupsession_success');
    expect(success?.value).toBe(1);
    expect(samples.some((s) => s.name === 'stash_backup_host_data_uploaded_bytes' && s.value > 0)).toBe(true);
  });

  it('kubectl stowage lists the snapshot and describes the session from the cluster', async () => {
    const session = (await kube.backupSessions(n.namespace, n.bc))[0]!;
    const snap = session.status!.targets![0]!.stats![0]!.snapshots![0]!.name!;
    const snaps = await kube.cli(['snapshots', repoName(n), '-n', n.namespace]);
    expect(snaps.code, snaps.stderr).toBe(0);
    expect(snaps.stdout).toContain(snap);
    const described = await kube.cli([
      'describe',
      'backupsession',
      session.metadata.name!,
      '-n',
      n.namespace,
    ]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Succeeded/);
    expect(described.stdout).toContain(snap);
  });

  it('restores the snapshot through a RestoreSession and the data equals the original', async () => {
    const before = await tableChecksums(pg.superuserUrl);
    await dropAndRestore(kube, pg, n, { name: 'restore-1', databases: ['shop', 'crm'] });
    expect(await tableChecksums(pg.superuserUrl)).toEqual(before);
  });

  it('pause and resume suspend and unsuspend the CronJob', async () => {
    await waitFor('the CronJob to be suspended', async () =>
      (await cronJobOf(n.namespace, n.bc))?.spec?.suspend === true ? true : undefined,
    );
    const resumed = await kube.cli(['resume', n.bc, '-n', n.namespace]);
    expect(resumed.code, resumed.stderr).toBe(0);
    await waitFor('the CronJob to run again', async () =>
      (await cronJobOf(n.namespace, n.bc))?.spec?.suspend === false ? true : undefined,
    );
    const paused = await kube.cli(['pause', n.bc, '-n', n.namespace]);
    expect(paused.code, paused.stderr).toBe(0);
    await waitFor('the CronJob to be suspended again', async () =>
      (await cronJobOf(n.namespace, n.bc))?.spec?.suspend === true ? true : undefined,
    );
  });

  it('a killed backup pod fails its session with a reason; the next backup succeeds', async () => {
    const k: Names = { namespace: 'kube-kill', bc: 'big-backup' };
    const bcSpec = { task: { params: [{ name: 'databases', value: 'big' }] } };
    await kube.setUpBackup(k, backupStack(k, pg, place('postgres/big'), { bcSpec }));
    const name = await kube.trigger(k.namespace, k.bc);
    // Kill the backup container once it runs (the pod of the session's Job).
    const pod = await waitFor(
      'the backup pod to run its backup step',
      async () => {
        const pods = await kube.clients.core.listNamespacedPod({ namespace: k.namespace });
        return pods.items.find(
          (p) =>
            (p.metadata?.name ?? '').startsWith(`stash-backup-${name}`) &&
            p.status?.initContainerStatuses?.some((c) => c.state?.running),
        );
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    await sleep(1_000);
    await kube.podRunner.killContainer(k.namespace, pod.metadata!.name!);
    const failed = await kube.expectFinal('BackupSession', k.namespace, name, 'Failed', 240_000);
    const reasons = JSON.stringify(failed.status);
    expect(reasons).toMatch(/137|SIGKILL|killed/);

    await kube.expectFinal(
      'BackupSession',
      k.namespace,
      await kube.trigger(k.namespace, k.bc),
      'Succeeded',
      240_000,
    );
  });

  it('the operator killed mid-session: the restarted operator brings the session to a final phase', async () => {
    const k: Names = { namespace: 'kube-kill', bc: 'big-backup' };
    const name = await kube.trigger(k.namespace, k.bc);
    await kube.waitForPhase('BackupSession', k.namespace, name, ['Running'], 120_000);
    await kube.kill();
    // Down for a while, as a crashed operator is, while its Job goes on.
    await sleep(3_000);
    await kube.start();
    await kube.expectFinal('BackupSession', k.namespace, name, 'Succeeded', 240_000);
  });
});
