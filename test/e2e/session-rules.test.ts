/**
 * The BackupSession rules of Stash on the standalone runtime (stash-spec §3.7–3.9): skipping a
 * session while another runs, backupHistoryLimit (with its "most recent completed survives" rule),
 * paused schedules, and retries of failed sessions. Small databases: what is under test is the
 * controller, not the data.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../src/api/index.ts';
import { seedDatabases, startPostgres, type PostgresServer } from '../harness/postgres.ts';
import { Stowage, waitFor } from '../harness/stowage.ts';
import { backupConfiguration, backupStack, RESTIC_PASSWORD, type Names } from './support/manifests.ts';
import { snapshots } from './support/restic-cli.ts';

let pg: PostgresServer;
let st: Stowage;

beforeAll(async () => {
  [pg, st] = await Promise.all([startPostgres(), Stowage.create({ name: 'rules' })]);
  await Promise.all([
    seedDatabases(pg.superuserUrl, { databases: ['app'], tables: 1, rows: 200 }),
    st.startServe(),
  ]);
});
afterAll(async () => {
  await st?.cleanup();
  await pg?.stop();
});

const ONLY_APP = { task: { params: [{ name: 'databases', value: 'app' }] } };

async function setUp(
  n: Names,
  bcSpec: Record<string, unknown>,
  o: { dbPassword?: string } = {},
): Promise<string> {
  const repository = join(st.root, `repo-${n.bc}`);
  await st.apply(
    backupStack(n, pg, { local: { mountPath: repository } }, { bcSpec: { ...ONLY_APP, ...bcSpec }, ...o }),
  );
  await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 30_000);
  return repository;
}

const names = (l: Array<ObjectOf<'BackupSession'>>) => l.map((s) => s.metadata.name).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BackupSession rules', () => {
  const history: Names = { namespace: 'rules', bc: 'history' };
  const done: string[] = [];

  it('backupHistoryLimit 2: after four sessions only the newest two remain', async () => {
    await setUp(history, { backupHistoryLimit: 2 });
    for (let i = 0; i < 4; i++) {
      const name = await st.trigger(history.namespace, history.bc);
      const s = await st.waitForFinal('BackupSession', history.namespace, name);
      expect(s.status?.phase, st.diagnostics('BackupSession', history.namespace, name)).toBe('Succeeded');
      expect(s.status?.conditions?.find((c) => c.type === 'BackupHistoryCleaned')?.status).toBe('True');
      done.push(name);
    }
    expect(names(await st.backupSessions(history.namespace, history.bc))).toEqual(done.slice(2).sort());
  });

  it('a session triggered while another runs is Skipped; the most recent completed session outlives the limit', async () => {
    expect(done).toHaveLength(4);
    const running = await st.trigger(history.namespace, history.bc);
    await st.waitForPhase('BackupSession', history.namespace, running, ['Running']);
    // Two more, back to back, while the first runs.
    const skipped = await Promise.all([
      st.trigger(history.namespace, history.bc),
      st.trigger(history.namespace, history.bc),
    ]);
    for (const name of skipped) {
      const s = await st.waitForFinal('BackupSession', history.namespace, name, 30_000);
      expect(s.status?.phase).toBe('Skipped');
      const c = s.status?.conditions?.find((x) => x.type === 'BackupSkipped');
      expect(c).toMatchObject({ status: 'True', reason: 'SkippedTakingNewBackup' });
      expect(c?.message).toContain(running);
      expect(s.status?.targets ?? []).toEqual([]);
      expect(st.job(history.namespace, `stash-backup-${name}-0`)).toBeUndefined();
    }
    const first = await st.waitForFinal('BackupSession', history.namespace, running);
    expect(first.status?.phase).toBe('Succeeded');

    // The skipped ones cleaned history while `running` was still Running (done[3], then the most
    // recent Succeeded, outlived the limit; done[2] went). When `running` completed, its own cleanup
    // kept the newest two (the skipped ones) and itself — now the most recent completed session —
    // beyond the limit, so done[3] went too.
    await waitFor('done[3] to be removed by the completed session', async () => {
      const now = names(await st.backupSessions(history.namespace, history.bc));
      return now.includes(done[3]) ? undefined : now;
    });
    expect(names(await st.backupSessions(history.namespace, history.bc))).toEqual(
      [running, ...skipped].sort(),
    );
  });

  it('a paused BackupConfiguration does not fire on schedule, but `stowage trigger` still runs', async () => {
    const n = { namespace: 'rules', bc: 'paused' };
    // Every two seconds (croner's six-field form with seconds), paused.
    await setUp(n, { schedule: '*/2 * * * * *', paused: true, backupHistoryLimit: 10 });
    const bc = await st.get('BackupConfiguration', n.namespace, n.bc);
    expect(bc?.status?.conditions?.find((c) => c.type === 'CronJobCreated')?.status).toBe('True');
    // A negative needs time: three firing times pass without a session.
    await sleep(6_000);
    expect(await st.backupSessions(n.namespace, n.bc)).toEqual([]);

    const instant = await st.trigger(n.namespace, n.bc);
    expect((await st.waitForFinal('BackupSession', n.namespace, instant)).status?.phase).toBe('Succeeded');
    expect(names(await st.backupSessions(n.namespace, n.bc))).toEqual([instant]);

    // Resumed, the same schedule fires (so the silence above was the pause, not a broken schedule).
    await st.apply([
      backupConfiguration(n, {
        ...ONLY_APP,
        schedule: '*/2 * * * * *',
        paused: false,
        backupHistoryLimit: 10,
      }),
    ]);
    const scheduled = await waitFor(
      'a scheduled BackupSession after resuming',
      async () => (await st.backupSessions(n.namespace, n.bc)).find((s) => s.metadata.name !== instant),
      { timeoutMs: 20_000, diagnostics: () => st.logTail() },
    );
    expect(scheduled.metadata.name).toMatch(/^paused-\d{10}$/);
    await st.apply([
      backupConfiguration(n, {
        ...ONLY_APP,
        schedule: '*/2 * * * * *',
        paused: true,
        backupHistoryLimit: 10,
      }),
    ]);
    await st.waitForFinal('BackupSession', n.namespace, scheduled.metadata.name!);
  });

  it('retryConfig: a failing backup is retried maxRetry times, every session Failed with the host error, no snapshot', async () => {
    const n = { namespace: 'rules', bc: 'retry' };
    const repository = await setUp(
      n,
      { retryConfig: { maxRetry: 2, delay: '1s' }, backupHistoryLimit: 5 },
      { dbPassword: 'not-the-password' },
    );
    const original = await st.trigger(n.namespace, n.bc);
    const sessions = await waitFor(
      'the original session and two retries to finish',
      async () => {
        const l = await st.backupSessions(n.namespace, n.bc);
        const final = l.filter((s) => ['Succeeded', 'Failed', 'Skipped'].includes(s.status?.phase ?? ''));
        return l.length === 3 && final.length === 3 ? l : undefined;
      },
      { timeoutMs: 120_000, diagnostics: () => st.diagnostics('BackupSession', n.namespace, original) },
    );
    expect(sessions[0]!.metadata.name).toBe(original);
    expect(sessions.map((s) => s.spec.retryLeft)).toEqual([2, 1, 0]);
    expect(sessions.map((s) => s.status?.retried)).toEqual([true, true, undefined]);
    for (const s of sessions.slice(0, 2)) expect(s.status?.nextRetry).toBeTruthy();
    for (const s of sessions) {
      expect(s.status?.phase).toBe('Failed');
      const host = s.status?.targets?.[0]?.stats?.[0];
      expect(host?.phase).toBe('Failed');
      expect(host?.error).toMatch(/password authentication failed|refused user/);
      expect(host?.snapshots ?? []).toEqual([]);
      // Post-backup actions run only after a successful host.
      expect(s.status?.conditions?.find((c) => c.type === 'RetentionPolicyApplied')).toBeUndefined();
    }
    // The last one has no retries left: nothing more is created.
    expect(await st.backupSessions(n.namespace, n.bc)).toHaveLength(3);
    expect(await snapshots({ repository, env: { RESTIC_PASSWORD } })).toEqual([]);
  });
});
