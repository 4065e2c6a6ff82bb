/**
 * An S3 repository on a real MinIO, with a real Pushgateway: the backup/restore roundtrip with the
 * Stash metrics arriving under job=backupconfiguration-<ns>-<name> (and restoresession-…), and
 * MinIO dying in the middle of a backup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HOST } from '../../src/core/hostname.ts';
import { startMinio, type Minio } from '../harness/minio.ts';
import { tableChecksums } from '../harness/postgres.ts';
import { isRestic } from '../harness/processes.ts';
import { parseExposition, startPushgateway, type Pushgateway, type Sample } from '../harness/pushgateway.ts';
import { waitFor } from '../harness/wait.ts';
import {
  dropAndRestore,
  expectNextBackupRecovers,
  expectRepositoryHolds,
  expectSucceededBackup,
} from './scenarios/backup.ts';
import { expectDeadlineExceeded } from './scenarios/session-rules.ts';
import { seedLargeDatabase } from './support/large-data.ts';
import { appBindingName, backupStack, minioRepository, repoName, type Names } from './support/manifests.ts';
import { useStandaloneWithPostgres } from './support/standalone.ts';

let minio: Minio;
let pushgateway: Pushgateway;
const BUCKET = 'stowage-e2e';

beforeAll(async () => {
  [minio, pushgateway] = await Promise.all([startMinio(), startPushgateway()]);
});
const env = useStandaloneWithPostgres(
  'minio',
  { databases: ['shop', 'crm'], tables: 2, rows: 1_000 },
  () => ({ pushgatewayUrl: pushgateway.url }),
);
beforeAll(() => seedLargeDatabase(env.pg.superuserUrl, 'big', 64));
afterAll(async () => {
  await Promise.all([minio?.stop(), pushgateway?.stop()]);
});

async function setUp(n: Names, prefix: string, bcSpec: Record<string, unknown>) {
  const place = minioRepository(minio, BUCKET, prefix);
  await env.st.setUpBackup(n, backupStack(n, env.pg, place, { bcSpec }));
  return place;
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
    const { st, pg } = env;
    const place = await setUp(n, 'postgres/shop', only);
    const before = await tableChecksums(pg.superuserUrl);

    const name = await st.trigger(n.namespace, n.bc);
    const session = await st.expectFinal('BackupSession', n.namespace, name);
    const snap = expectSucceededBackup(session);
    expect(session.status?.conditions?.find((c) => c.type === 'MetricsPushed')?.message).toBe(
      'Successfully pushed metrics.',
    );
    await expectRepositoryHolds(st, { namespace: n.namespace, name: repoName(n) }, place, snap.name!);

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
    // The time the session succeeded: after it was created, before we read it.
    const lastSuccess = one(samples, 'stash_backup_last_success_time_seconds', invoker).value;
    expect(lastSuccess).toBeGreaterThanOrEqual(Date.parse(session.metadata.creationTimestamp!) / 1000);
    expect(lastSuccess).toBeLessThanOrEqual(Date.now() / 1000);

    const target = { ...invoker, kind: 'postgres', group: 'kubedb.com', name: appBindingName(n) };
    expect(one(samples, 'stash_backup_target_success', target).value).toBe(1);
    expect(one(samples, 'stash_appscode_com_backupsession_target_success', target).value).toBe(1);
    expect(one(samples, 'stash_backup_target_host_count_total', target).value).toBe(1);

    const host = { ...target, hostname: DEFAULT_HOST };
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
    await dropAndRestore(st, pg, n, { name: 'shop-restore', databases: ['shop', 'crm'] });
    expect(await tableChecksums(pg.superuserUrl)).toEqual(before);
    const restoreSamples = await group(`restoresession-${n.namespace}-shop-restore`);
    const restoreInvoker = { invoker_kind: 'RestoreSession', invoker_name: 'shop-restore' };
    expect(one(restoreSamples, 'stash_restore_session_success', restoreInvoker).value).toBe(1);
    expect(one(restoreSamples, 'stash_appscode_com_restoresession_success', restoreInvoker).value).toBe(1);
    expect(
      one(restoreSamples, 'stash_restore_host_restore_success', { ...restoreInvoker, hostname: DEFAULT_HOST })
        .value,
    ).toBe(1);
  });

  it('MinIO killed mid-backup: the session fails at its timeOut with a reason; after MinIO is back the next backup succeeds and the repository checks clean', async () => {
    // restic retries a backend that refuses connections with backoff for up to 15 minutes before it
    // gives up, which is right for a blip but is not what a user wants from a dead endpoint. The
    // bound a user sets is spec.timeOut: the session then fails with DeadlineExceeded and the
    // backup is stopped. (A MinIO that returns within the timeOut is ridden out by those retries.)
    const { st } = env;
    const n = { namespace: 'minio', bc: 'outage' };
    const place = await setUp(n, 'postgres/big', {
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
    await expectDeadlineExceeded(st, n, name, '45s');
    await st.waitForNoLeftovers();

    await minio.startAgain();
    await expectNextBackupRecovers(st, n, place);
  });
});
