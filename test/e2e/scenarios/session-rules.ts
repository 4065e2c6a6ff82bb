/**
 * BackupSession rules of Stash (stash-spec §3.7–3.9) that read the same on either runtime, written
 * once: backupHistoryLimit keeps the newest sessions, and a session past spec.timeOut fails with
 * DeadlineExceeded. The BackupConfiguration must be set up (Ready) before.
 */
import { expect } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import type { StowageRuntime } from '../../harness/runtime.ts';
import { waitFor } from '../../harness/wait.ts';
import { condition } from '../support/conditions.ts';
import type { Names } from '../support/manifests.ts';

/**
 * Runs `count` sessions one after the other under backupHistoryLimit `limit`: each Succeeded and
 * cleaned history; in the end only the newest `limit` remain. Returns their names, oldest first.
 */
export async function historyLimitKeepsNewest(
  rt: StowageRuntime,
  n: Names,
  o: { limit: number; count: number },
): Promise<string[]> {
  const done: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const name = await rt.trigger(n.namespace, n.bc);
    const s = await rt.expectFinal('BackupSession', n.namespace, name, 'Succeeded', 240_000);
    expect(condition(s, 'BackupHistoryCleaned')?.status).toBe('True');
    done.push(name);
  }
  // The API server may show a deleted session for a moment after the cleanup that deleted it.
  const left = await waitFor(
    `at most ${o.limit} sessions of ${n.bc} to remain`,
    async () => {
      const names = (await rt.backupSessions(n.namespace, n.bc)).map((s) => s.metadata.name);
      return names.length <= o.limit ? names : undefined;
    },
    { diagnostics: () => rt.diagnostics('BackupConfiguration', n.namespace, n.bc) },
  );
  expect([...left].sort()).toEqual(done.slice(-o.limit).sort());
  return done;
}

/** Session `name` outlives spec.timeOut (`timeOut`, as written in the spec): Failed with DeadlineExceeded. */
export async function expectDeadlineExceeded(
  rt: StowageRuntime,
  n: Names,
  name: string,
  timeOut: string,
): Promise<ObjectOf<'BackupSession'>> {
  const session = await rt.expectFinal('BackupSession', n.namespace, name, 'Failed', 240_000);
  expect(session.status?.sessionDeadline).toBeTruthy();
  expect(condition(session, 'DeadlineExceeded')).toMatchObject({
    status: 'True',
    reason: 'FailedToCompleteWithinDeadline',
  });
  expect(condition(session, 'DeadlineExceeded')?.message).toContain(timeOut);
  expect(condition(session, 'MetricsPushed')?.status).toBe('True');
  return session;
}
