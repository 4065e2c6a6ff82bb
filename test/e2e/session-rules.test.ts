/**
 * The BackupSession rules of Stash on the standalone runtime (stash-spec §3.7–3.9): backupHistoryLimit
 * (with its "most recent completed survives" rule), skipping a session while another runs, paused
 * schedules, and retries of failed sessions. Small databases: what is under test is the controller,
 * not the data.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../src/api/index.ts';
import { signalEach } from '../harness/processes.ts';
import type { Stowage } from '../harness/stowage.ts';
import { sleep, waitFor } from '../harness/wait.ts';
import { historyLimitKeepsNewest } from './scenarios/session-rules.ts';
import { condition } from './support/conditions.ts';
import { backupConfiguration, backupStack, localRepository, type Names } from './support/manifests.ts';
import { snapshots } from './support/restic-cli.ts';
import { useStandaloneWithPostgres } from './support/standalone.ts';

const env = useStandaloneWithPostgres('rules', { databases: ['app'], tables: 1, rows: 200 });
let st: Stowage;
beforeAll(() => {
  st = env.st;
});

const ONLY_APP = { task: { params: [{ name: 'databases', value: 'app' }] } };

async function setUp(n: Names, bcSpec: Record<string, unknown>, o: { dbPassword?: string } = {}) {
  const place = localRepository(join(st.root, `repo-${n.bc}`));
  await st.setUpBackup(n, backupStack(n, env.pg, place, { bcSpec: { ...ONLY_APP, ...bcSpec }, ...o }));
  return place;
}

const names = (l: Array<ObjectOf<'BackupSession'>>) => l.map((s) => s.metadata.name).sort();

/**
 * Triggers a session and holds its job still (SIGSTOP) once it runs, so that it stays Running for
 * as long as the test needs; `release` lets it go on.
 */
async function triggerHeld(n: Names): Promise<{ name: string; release(): void }> {
  const name = await st.trigger(n.namespace, n.bc);
  await st.waitForPhase('BackupSession', n.namespace, name, ['Running']);
  const job = `stash-backup-${name}-0`;
  await st.waitForJob(n.namespace, job);
  const held = st.jobProcesses(n.namespace, job);
  signalEach(held, 'SIGSTOP');
  return { name, release: () => signalEach(held, 'SIGCONT') };
}

/**
 * Waits until the wall clock is past the second of `created` (creationTimestamp has whole
 * seconds): what is created from now on is strictly newer than it, so history ordering (newest
 * first) cannot depend on how a same-second tie is broken.
 */
async function pastTheSecondOf(created: string | undefined): Promise<void> {
  const next = Date.parse(created ?? '') + 1_000;
  await waitFor('the next second', () => (Date.now() >= next ? true : undefined), { intervalMs: 50 });
}

describe('BackupSession rules', () => {
  const history: Names = { namespace: 'rules', bc: 'history' };
  let done: string[] = [];

  it('backupHistoryLimit 2: after four sessions only the newest two remain', async () => {
    await setUp(history, { backupHistoryLimit: 2 });
    done = await historyLimitKeepsNewest(st, history, { limit: 2, count: 4 });
  });

  it('a session triggered while another runs is Skipped; the most recent completed session outlives the limit', async () => {
    expect(done).toHaveLength(4);
    const running = await triggerHeld(history);
    const runningSession = await st.get('BackupSession', history.namespace, running.name);
    // Two more while the first runs. Created after it, they are the newest two: the limit keeps
    // them, so no history cleanup can take them away before they are read.
    await pastTheSecondOf(runningSession?.metadata.creationTimestamp);
    const skipped = [
      await st.trigger(history.namespace, history.bc),
      await st.trigger(history.namespace, history.bc),
    ];
    for (const name of skipped) {
      const s = await st.expectFinal('BackupSession', history.namespace, name, 'Skipped', 60_000);
      expect(condition(s, 'BackupSkipped')).toMatchObject({
        status: 'True',
        reason: 'SkippedTakingNewBackup',
      });
      expect(condition(s, 'BackupSkipped')?.message).toContain(running.name);
      expect(s.status?.targets ?? []).toEqual([]);
      expect(st.job(history.namespace, `stash-backup-${name}-0`)).toBeUndefined();
    }
    // The skipped ones cleaned history while `running` ran: done[2] went; done[3], the most recent
    // completed session, outlived the limit.
    const whileRunning = await waitFor('done[2] to be removed by the skipped sessions', async () => {
      const now = names(await st.backupSessions(history.namespace, history.bc));
      return now.includes(done[2]) ? undefined : now;
    });
    const who = `done ${done.join(' ')}; running ${running.name}; skipped ${skipped.join(' ')}`;
    expect(whileRunning, who).toEqual([done[3], running.name, ...skipped].sort());

    running.release();
    await st.expectFinal('BackupSession', history.namespace, running.name, 'Succeeded');
    // Completed, `running` is the most recent completed session: its cleanup kept the newest two
    // (the skipped ones) and itself, so done[3] went too.
    const left = await waitFor('done[3] to be removed by the completed session', async () => {
      const now = names(await st.backupSessions(history.namespace, history.bc));
      return now.includes(done[3]) ? undefined : now;
    });
    expect(left).toEqual([running.name, ...skipped].sort());
  });

  it('a paused BackupConfiguration does not fire on schedule, but `stowage trigger` still runs', async () => {
    const n = { namespace: 'rules', bc: 'paused' };
    // Every two seconds (croner's six-field form with seconds), paused.
    const every2s = { ...ONLY_APP, schedule: '*/2 * * * * *', backupHistoryLimit: 10 };
    const bc = await setUp(n, { ...every2s, paused: true }).then(() =>
      st.get('BackupConfiguration', n.namespace, n.bc),
    );
    expect(condition(bc, 'CronJobCreated')?.status).toBe('True');
    // A negative needs time: three firing times pass without a session.
    await sleep(6_000);
    expect(await st.backupSessions(n.namespace, n.bc)).toEqual([]);

    const instant = await st.trigger(n.namespace, n.bc);
    await st.expectFinal('BackupSession', n.namespace, instant, 'Succeeded');
    expect(names(await st.backupSessions(n.namespace, n.bc))).toEqual([instant]);

    // Resumed, the same schedule fires (so the silence above was the pause, not a broken schedule).
    await st.apply([backupConfiguration(n, { ...every2s, paused: false })]);
    const scheduled = await waitFor(
      'a scheduled BackupSession after resuming',
      async () => (await st.backupSessions(n.namespace, n.bc)).find((s) => s.metadata.name !== instant),
      { timeoutMs: 20_000, diagnostics: () => st.logTail() },
    );
    expect(scheduled.metadata.name).toMatch(/^paused-\d{10}$/);
    await st.apply([backupConfiguration(n, { ...every2s, paused: true })]);
    await st.waitForFinal('BackupSession', n.namespace, scheduled.metadata.name!);
  });

  it('retryConfig: a failing backup is retried maxRetry times, every session Failed with the host error, no snapshot', async () => {
    const n = { namespace: 'rules', bc: 'retry' };
    const place = await setUp(
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
      expect(condition(s, 'RetentionPolicyApplied')).toBeUndefined();
    }
    // The last one has no retries left: nothing more is created.
    expect(await st.backupSessions(n.namespace, n.bc)).toHaveLength(3);
    expect(await snapshots(place.target)).toEqual([]);
  });
});
