/**
 * An S3 repository on a real MinIO, with a real Pushgateway: the backup/restore roundtrip with the
 * Stash metrics arriving under job=backupconfiguration-<ns>-<name> (and restoresession-…), and
 * MinIO dying in the middle of a backup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../src/api/index.ts';
import {
  seedDatabases,
  startPostgres,
  tableChecksums,
  withClient,
  type PostgresServer,
} from '../harness/postgres.ts';
import { parseExposition, startPushgateway, type Pushgateway, type Sample } from '../harness/pushgateway.ts';
import { isRestic, Stowage, waitFor } from '../harness/stowage.ts';
import { seedLargeDatabase } from './support/large-data.ts';
import { backupStack, repoName, restoreSession, RESTIC_PASSWORD, type Names } from './support/manifests.ts';
import { RestartableMinio } from './support/restartable-minio.ts';
import { checkReadData, snapshots, type ResticTarget } from './support/restic-cli.ts';

let pg: PostgresServer;
let minio: RestartableMinio;
let pushgateway: Pushgateway;
let st: Stowage;
const BUCKET = 'stowage-e2e';

beforeAll(async () => {
  [pg, minio, pushgateway] = await Promise.all([
    startPostgres(),
    RestartableMinio.start(),
    startPushgateway(),
  ]);
  st = await Stowage.create({ name: 'minio', pushgatewayUrl: pushgateway.url });
  await Promise.all([
    seedDatabases(pg.superuserUrl, { databases: ['shop', 'crm'], tables: 2, rows: 1_000 }),
    seedLargeDatabase(pg.superuserUrl, 'big', 64),
    st.startServe(),
  ]);
});
afterAll(async () => {
  await st?.cleanup();
  await Promise.all([pg?.stop(), minio?.stop(), pushgateway?.stop()]);
});

async function setUp(n: Names, prefix: string, bcSpec: Record<string, unknown>): Promise<ResticTarget> {
  const secrets = { AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey };
  await st.apply(
    backupStack(
      n,
      pg,
      { s3: { endpoint: minio.endpoint, bucket: BUCKET, prefix, region: 'us-east-1' } },
      { bcSpec, storageSecretExtra: secrets },
    ),
  );
  await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 30_000);
  return { repository: `s3:${minio.endpoint}/${BUCKET}/${prefix}`, env: { RESTIC_PASSWORD, ...secrets } };
}

/** Samples of the Pushgateway group `job`. */
async function group(job: string): Promise<Sample[]> {
  return parseExposition(await pushgateway.scrape()).filter((s) => s.labels.job === job);
}

function one(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(found, `${name}${JSON.stringify(labels)} in ${samples.map((s) => s.name).join(', ')}`).toHaveLength(
    1,
  );
  return found[0]!;
}

describe('S3 repository on MinIO', () => {
  it('backs up and restores, and the Stash metrics arrive on the Pushgateway', async () => {
    const n = { namespace: 'minio', bc: 'shop-backup' };
    const only = { task: { params: [{ name: 'databases', value: 'shop,crm' }] } };
    const repo = await setUp(n, 'postgres/shop', only);
    const before = await tableChecksums(pg.superuserUrl);

    const name = await st.trigger(n.namespace, n.bc);
    const session = await st.waitForFinal('BackupSession', n.namespace, name);
    expect(session.status?.phase, st.diagnostics('BackupSession', n.namespace, name)).toBe('Succeeded');
    for (const type of [
      'BackendRepositoryInitialized',
      'RetentionPolicyApplied',
      'RepositoryIntegrityVerified',
      'RepositoryMetricsPushed',
      'BackupHistoryCleaned',
      'MetricsPushed',
    ]) {
      expect(session.status?.conditions?.find((c) => c.type === type)?.status, type).toBe('True');
    }
    expect(session.status?.conditions?.find((c) => c.type === 'MetricsPushed')?.message).toBe(
      'Successfully pushed metrics.',
    );
    const snap = session.status!.targets![0]!.stats![0]!.snapshots![0]!;
    expect((await snapshots(repo)).map((s) => s.short_id)).toEqual([snap.name]);
    const repository = await st.get('Repository', n.namespace, repoName(n));
    expect(repository?.status).toMatchObject({ integrity: true, snapshotCount: 1 });

    // Session, target, host and repository metrics, each under both names, grouped by the invoker.
    const job = `backupconfiguration-${n.namespace}-${n.bc}`;
    const samples = await group(job);
    const invoker = {
      invoker_kind: 'BackupConfiguration',
      invoker_name: n.bc,
      driver: 'Restic',
      repository: repoName(n),
    };
    for (const [legacy, current] of [
      ['stash_backup_session_success', 'stash_appscode_com_backupsession_success'],
      ['stash_backup_target_count_total', 'stash_appscode_com_backupsession_target_count_total'],
    ] as const) {
      expect(one(samples, legacy, { ...invoker, namespace: n.namespace }).value).toBe(1);
      expect(one(samples, current, { ...invoker, namespace: n.namespace }).value).toBe(1);
    }
    const duration = one(samples, 'stash_backup_session_duration_seconds', invoker).value;
    expect(duration).toBeGreaterThan(0);
    expect(one(samples, 'stash_appscode_com_backupsession_duration_seconds', invoker).value).toBe(duration);
    const lastSuccess = one(samples, 'stash_backup_last_success_time_seconds', invoker).value;
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(300);

    const target = { ...invoker, kind: 'postgres', group: 'kubedb.com', name: `${n.bc}-pg` };
    expect(one(samples, 'stash_backup_target_success', target).value).toBe(1);
    expect(one(samples, 'stash_appscode_com_backupsession_target_success', target).value).toBe(1);
    expect(one(samples, 'stash_backup_target_host_count_total', target).value).toBe(1);

    const host = { ...target, hostname: 'host-0' };
    expect(one(samples, 'stash_backup_host_backup_success', host).value).toBe(1);
    expect(one(samples, 'stash_appscode_com_backupsession_host_backup_success', host).value).toBe(1);
    expect(one(samples, 'stash_backup_host_data_size_bytes', host).value).toBeGreaterThan(100_000);
    expect(
      one(samples, 'stash_appscode_com_backupsession_host_data_uploaded_bytes', host).value,
    ).toBeGreaterThan(0);
    expect(one(samples, 'stash_backup_host_files_total', host).value).toBe(1);

    const repoLabels = {
      ...invoker,
      name: repoName(n),
      namespace: n.namespace,
      backend: 's3',
      bucket: BUCKET,
      prefix: 'postgres/shop',
    };
    expect(one(samples, 'stash_repository_integrity', repoLabels).value).toBe(1);
    expect(one(samples, 'stash_appscode_com_repository_integrity', repoLabels).value).toBe(1);
    expect(one(samples, 'stash_repository_snapshot_count', repoLabels).value).toBe(1);
    expect(one(samples, 'stash_appscode_com_repository_size_bytes', repoLabels).value).toBeGreaterThan(0);

    // Restore into an emptied server; the restore metrics arrive under restoresession-<ns>-<name>.
    await withClient(pg.superuserUrl, async (c) => {
      await c.query('drop database shop with (force)');
      await c.query('drop database crm with (force)');
    });
    await st.apply([restoreSession(n, 'shop-restore')]);
    const restore = await st.waitForFinal('RestoreSession', n.namespace, 'shop-restore');
    expect(restore.status?.phase, st.diagnostics('RestoreSession', n.namespace, 'shop-restore')).toBe(
      'Succeeded',
    );
    expect(await tableChecksums(pg.superuserUrl)).toEqual(before);
    const restoreSamples = await group(`restoresession-${n.namespace}-shop-restore`);
    const restoreInvoker = { invoker_kind: 'RestoreSession', invoker_name: 'shop-restore' };
    expect(one(restoreSamples, 'stash_restore_session_success', restoreInvoker).value).toBe(1);
    expect(one(restoreSamples, 'stash_appscode_com_restoresession_success', restoreInvoker).value).toBe(1);
    expect(
      one(restoreSamples, 'stash_restore_host_restore_success', { ...restoreInvoker, hostname: 'host-0' })
        .value,
    ).toBe(1);
  });

  it('MinIO killed mid-backup: the session fails at its timeOut with a reason; after MinIO is back the next backup succeeds and the repository checks clean', async () => {
    // restic retries a backend that refuses connections with backoff for up to 15 minutes before it
    // gives up, which is right for a blip but is not what a user wants from a dead endpoint. The
    // bound a user sets is spec.timeOut: the session then fails with DeadlineExceeded and the
    // backup is stopped. (A MinIO that returns within the timeOut is ridden out by those retries.)
    const n = { namespace: 'minio', bc: 'outage' };
    const repo = await setUp(n, 'postgres/big', {
      task: { params: [{ name: 'databases', value: 'big' }] },
      timeOut: '45s',
    });
    const name = await st.trigger(n.namespace, n.bc);
    await waitFor(
      `restic backup of ${name} to start`,
      () => st.jobProcesses(n.namespace, `stash-backup-${name}-0`).find((p) => isRestic(p, 'backup')),
      {
        timeoutMs: 60_000,
        intervalMs: 50,
        diagnostics: () => st.diagnostics('BackupSession', n.namespace, name),
      },
    );
    await minio.kill();

    const failed: ObjectOf<'BackupSession'> = await st.waitForFinal(
      'BackupSession',
      n.namespace,
      name,
      120_000,
    );
    expect(failed.status?.phase).toBe('Failed');
    expect(failed.status?.conditions?.find((c) => c.type === 'DeadlineExceeded')).toMatchObject({
      status: 'True',
      reason: 'FailedToCompleteWithinDeadline',
    });
    await waitFor(
      'the stopped backup to leave no process',
      () => (st.leftoverProcesses().length === 0 ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );

    await minio.startAgain();
    const next = await st.waitForFinal('BackupSession', n.namespace, await st.trigger(n.namespace, n.bc));
    expect(next.status?.phase, st.diagnostics('BackupSession', n.namespace, next.metadata.name!)).toBe(
      'Succeeded',
    );
    const snaps = await snapshots(repo);
    expect(snaps.map((s) => s.short_id)).toEqual([next.status!.targets![0]!.stats![0]!.snapshots![0]!.name]);
    const check = await checkReadData(repo);
    expect(check.ok, check.output).toBe(true);
  });
});
