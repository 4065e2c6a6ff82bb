/**
 * Things dying at the wrong moment, on a local-folder repository with a ~64 MiB database so a
 * backup's upload takes seconds: the backup step killed mid-upload, a session over its timeOut, and serve
 * (or a job runner) killed mid-session. Each session must end in a truthful final phase with a
 * reason, leave no process behind, and leave a repository that `restic check --read-data` accepts
 * and the next backup can use.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../src/api/index.ts';
import { isAlive, isRestic, type ProcInfo } from '../harness/processes.ts';
import type { Stowage } from '../harness/stowage.ts';
import { waitFor } from '../harness/wait.ts';
import { expectNextBackupRecovers } from './scenarios/backup.ts';
import { expectDeadlineExceeded } from './scenarios/session-rules.ts';
import { condition } from './support/conditions.ts';
import { seedLargeDatabase } from './support/large-data.ts';
import { backupStack, localRepository, type Names, type RepositoryPlace } from './support/manifests.ts';
import { checkReadData, locks, snapshots } from './support/restic-cli.ts';
import { useStandaloneWithPostgres } from './support/standalone.ts';

const env = useStandaloneWithPostgres('crash', { databases: ['small'], tables: 1, rows: 200 });
let st: Stowage;
beforeAll(async () => {
  st = env.st;
  await seedLargeDatabase(env.pg.superuserUrl, 'big', 64);
});

/** Dump only the big database (the Task param Stash's postgres addon calls `databases`). */
const BIG = { task: { params: [{ name: 'databases', value: 'big' }] } };
const SMALL = { task: { params: [{ name: 'databases', value: 'small' }] } };

async function setUp(n: Names, bcSpec: Record<string, unknown> = BIG): Promise<RepositoryPlace> {
  const place = localRepository(join(st.root, `repo-${n.bc}`));
  await st.setUpBackup(n, backupStack(n, env.pg, place, { bcSpec }));
  return place;
}

const jobOf = (session: string) => `stash-backup-${session}-0`;

/** Total bytes under a folder (the repository's pack files). */
function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  return total;
}

/** Waits until the job's restic backup runs and has written `bytes` of packs into the repository. */
async function waitMidUpload(
  n: Names,
  session: string,
  repository: string,
  bytes: number,
): Promise<{ restic: ProcInfo; step: ProcInfo }> {
  return waitFor(
    `restic of ${session} to upload ${bytes} bytes`,
    () => {
      const tree = st.jobProcesses(n.namespace, jobOf(session));
      const restic = tree.find((p) => isRestic(p, 'backup'));
      const step = tree.find((p) => p.pid === restic?.ppid);
      return restic && step && folderBytes(join(repository, 'data')) >= bytes ? { restic, step } : undefined;
    },
    {
      timeoutMs: 90_000,
      intervalMs: 100,
      diagnostics: () => st.diagnostics('BackupSession', n.namespace, session),
    },
  );
}

const targetCondition = (s: ObjectOf<'BackupSession'>, type: string) =>
  s.status?.targets?.[0]?.conditions?.find((c) => c.type === type);

describe('crashes and deadlines', () => {
  it('a backup step SIGKILLed mid-upload fails its session; the next backup succeeds; the repository checks clean', async () => {
    const n = { namespace: 'crash', bc: 'kill-step' };
    const repo = await setUp(n);
    const killed = await st.trigger(n.namespace, n.bc);
    const { step } = await waitMidUpload(n, killed, repo.target.repository, 8 * 1024 * 1024);
    expect(step.argv.join(' ')).toMatch(/ backup postgres /);
    process.kill(step.pid, 'SIGKILL');

    const failed = await st.expectFinal('BackupSession', n.namespace, killed, 'Failed');
    expect(failed.status?.sessionDuration).toBeTruthy();
    const disrupted = targetCondition(failed, 'BackupDisrupted');
    expect(disrupted).toMatchObject({ status: 'True', reason: 'FailedToCompleteDueToDisruption' });
    // The reason names the step that died and how.
    expect(disrupted?.message).toMatch(/step \S+ was killed by SIGKILL/);
    expect(failed.status?.targets?.[0]?.phase).toBe('Failed');
    await st.waitForNoLeftovers();

    await expectNextBackupRecovers(st, n, repo);
  });

  it('a session that runs past spec.timeOut ends Failed with DeadlineExceeded and stops its backup', async () => {
    const n = { namespace: 'crash', bc: 'deadline' };
    const repo = await setUp(n, { ...BIG, timeOut: '3s' });
    await expectDeadlineExceeded(st, n, await st.trigger(n.namespace, n.bc), '3s');
    // The job was stopped: no restic keeps uploading a snapshot nobody will report.
    await st.waitForNoLeftovers();
    // No snapshot: on a slow machine the deadline may even come before the step has initialised
    // the repository, and then there is no repository to hold one.
    const initialised = existsSync(join(repo.target.repository, 'config'));
    expect(initialised ? await snapshots(repo.target) : []).toEqual([]);
  });

  it('serve SIGKILLed while a backup runs: the job finishes on its own and the restarted serve completes the session', async () => {
    const n = { namespace: 'crash', bc: 'serve-crash' };
    await setUp(n, SMALL);
    const name = await st.trigger(n.namespace, n.bc);
    await st.waitForPhase('BackupSession', n.namespace, name, ['Running']);
    await st.waitForJob(n.namespace, jobOf(name));
    await st.kill();

    // With serve down the job keeps going and records its own outcome and the target's result.
    const job = await waitFor(
      `job ${jobOf(name)} to finish while serve is down`,
      () => {
        const j = st.job(n.namespace, jobOf(name));
        return j && j.phase !== 'Running' && j.phase !== 'Pending' ? j : undefined;
      },
      { timeoutMs: 120_000, diagnostics: () => st.jobLogs(n.namespace, jobOf(name)) },
    );
    expect(job.phase).toBe('Succeeded');
    const reported = await st.get('BackupSession', n.namespace, name);
    expect(reported?.status?.targets?.[0]?.stats?.[0]?.phase).toBe('Succeeded');
    // Only serve makes a session final (history cleanup, metrics): it is not final yet.
    expect(reported?.status?.phase).toBe('Running');

    await st.start();
    const session = await st.expectFinal('BackupSession', n.namespace, name, 'Succeeded', 30_000);
    expect(condition(session, 'MetricsPushed')?.status).toBe('True');
  });

  it('a job runner SIGKILLed while serve is down: after the restart its session is Failed with a reason, not Running', async () => {
    const n = { namespace: 'crash', bc: 'runner-crash' };
    const repo = await setUp(n);
    const name = await st.trigger(n.namespace, n.bc);
    const { restic } = await waitMidUpload(n, name, repo.target.repository, 4 * 1024 * 1024);
    // Freeze the upload so the scenario does not race the upload's speed: this restic stays
    // mid-upload for as long as serve is down.
    process.kill(restic.pid, 'SIGSTOP');
    const runner = st.job(n.namespace, jobOf(name))!;
    await st.kill();
    process.kill(runner.pid!, 'SIGKILL');

    await st.start();
    // The restarted serve finds the runner dead, records the Job as Failed and stops what it had
    // started. Let the upload run again from that moment: it must not finish.
    await waitFor(
      'the job to be recorded as Failed',
      () => (st.job(n.namespace, jobOf(name))?.phase === 'Failed' ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        diagnostics: () => st.logTail(),
      },
    );
    process.kill(restic.pid, 'SIGCONT');
    const session = await st.expectFinal('BackupSession', n.namespace, name, 'Failed', 60_000);
    const disrupted = targetCondition(session, 'BackupDisrupted');
    expect(disrupted?.status).toBe('True');
    expect(disrupted?.message).toMatch(/job runner \(pid \d+\) ended without reporting a result/);
    // What the dead runner had started (the step, its restic) was stopped when serve found the runner
    // dead, so it does not finish a snapshot behind the Failed session's back. (Had serve stayed down
    // until the upload finished, the snapshot would exist, unreported; the session would still say Failed.)
    await st.waitForNoLeftovers();
    expect(isAlive(restic.pid)).toBe(false);
    expect(await snapshots(repo.target)).toEqual([]);
    // restic was stopped gracefully (the dump under it first, so it failed the backup and removed its lock).
    expect(await locks(repo.target)).toEqual([]);
    const check = await checkReadData(repo.target);
    expect(check.ok, check.output).toBe(true);
  });
});
