/**
 * Session rules on a real API server: backupHistoryLimit, timeOut, invalid objects refused by the
 * CRD schema with field paths, and a Repository in another namespace honoured or refused by its
 * usagePolicy (a Job reading a Repository across namespaces gets access granted there).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeStowage } from '../../harness/kube-stowage.ts';
import { seedDatabases, startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { waitFor } from '../../harness/wait.ts';
import { expectDeadlineExceeded, historyLimitKeepsNewest } from '../scenarios/session-rules.ts';
import { condition } from '../support/conditions.ts';
import { seedLargeDatabase } from '../support/large-data.ts';
import {
  appBinding,
  authSecret,
  backupConfiguration,
  backupStack,
  localRepository,
  repository,
  storageSecret,
  type Names,
} from '../support/manifests.ts';

let pg: PostgresServer;
let kube: KubeStowage;
let repoRoot: string;

beforeAll(async () => {
  pg = await startPostgres();
  kube = await KubeStowage.create({ name: 'session-rules' });
  repoRoot = mkdtempSync(join(tmpdir(), 'stowage-kube-repos-'));
  await Promise.all([
    seedDatabases(pg.superuserUrl, { databases: ['shop'], tables: 2, rows: 500 }),
    seedLargeDatabase(pg.superuserUrl, 'big', 48),
    kube.start(),
  ]);
}, 300_000);

afterAll(async () => {
  await kube?.cleanup();
  await pg?.stop();
});

const local = (name: string) => localRepository(join(repoRoot, name));

describe('session rules on a real API server', () => {
  it('the CRD schema refuses an invalid BackupConfiguration with the field path', async () => {
    await kube.ensureNamespace('kube-bad');
    let message = '';
    try {
      await kube.clients.custom.createNamespacedCustomObject({
        group: 'stash.appscode.com',
        version: 'v1beta1',
        plural: 'backupconfigurations',
        namespace: 'kube-bad',
        body: {
          apiVersion: 'stash.appscode.com/v1beta1',
          kind: 'BackupConfiguration',
          metadata: { name: 'bad' },
          spec: { schedule: 5, backupHistoryLimit: 'many' },
        },
      });
    } catch (e) {
      message = String((e as { body?: unknown }).body ?? e);
    }
    expect(message).toMatch(/spec\.schedule/);
    expect(message).toMatch(/spec\.backupHistoryLimit/);
  });

  it('backupHistoryLimit 1: after two sessions only the newest remains, its Job with it', async () => {
    const n: Names = { namespace: 'kube-history', bc: 'history' };
    await kube.setUpBackup(n, backupStack(n, pg, local('history'), { bcSpec: { backupHistoryLimit: 1 } }));
    const [first] = await historyLimitKeepsNewest(kube, n, { limit: 1, count: 2 });
    // Its Job went with it (owner references, real garbage collector).
    await waitFor('the older Job to be collected', async () => {
      const jobs = await kube.clients.batch.listNamespacedJob({ namespace: n.namespace });
      return jobs.items.every((j) => !(j.metadata?.name ?? '').includes(first!)) ? true : undefined;
    });
  });

  it('a session past spec.timeOut ends Failed with DeadlineExceeded', async () => {
    const n: Names = { namespace: 'kube-timeout', bc: 'slow' };
    const bcSpec = { timeOut: '4s', task: { params: [{ name: 'databases', value: 'big' }] } };
    await kube.setUpBackup(n, backupStack(n, pg, local('slow'), { bcSpec }));
    await expectDeadlineExceeded(kube, n, await kube.trigger(n.namespace, n.bc), '4s');
  });

  it('a Repository in another namespace: refused under usagePolicy Same, used under a Selector matching the namespace labels', async () => {
    const shared = { namespace: 'kube-repos', bc: 'shared' };
    const user: Names = { namespace: 'kube-app', bc: 'app-backup' };
    const repoRef = { name: `${shared.bc}-repo`, namespace: shared.namespace };
    await kube.apply([storageSecret(shared), repository(shared, local('shared').backend)]);
    await kube.apply([
      authSecret(user, pg),
      appBinding(user, pg),
      backupConfiguration(user, { repository: repoRef }),
    ]);
    const refused = await kube.waitForPhase(
      'BackupConfiguration',
      user.namespace,
      user.bc,
      ['Invalid', 'NotReady'],
      60_000,
    );
    expect(condition(refused, 'ValidationPassed')).toMatchObject({ status: 'False' });
    expect(condition(refused, 'ValidationPassed')?.message).toMatch(/not allowed/);

    const repo = await kube.get('Repository', shared.namespace, repoRef.name);
    await kube.store.update({
      ...repo!,
      spec: {
        ...repo!.spec,
        usagePolicy: {
          allowedNamespaces: {
            from: 'Selector',
            selector: { matchLabels: { 'kubernetes.io/metadata.name': user.namespace } },
          },
        },
      },
    });
    await kube.waitForPhase('BackupConfiguration', user.namespace, user.bc, ['Ready'], 60_000);
    const name = await kube.trigger(user.namespace, user.bc);
    await kube.expectFinal('BackupSession', user.namespace, name, 'Succeeded', 240_000);
    const r = await kube.get('Repository', shared.namespace, repoRef.name);
    expect(r?.status).toMatchObject({ snapshotCount: 1, integrity: true });
  });
});
