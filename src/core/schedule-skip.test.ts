import { describe, expect, it } from 'vitest';
import type { BackupSession, BackupSessionPhase } from '../api/index.ts';
import {
  historyToDelete,
  nextRetryAt,
  retryLeftAfterRetry,
  shouldSkip,
  sortNewestFirst,
} from './schedule-skip.ts';

function bs(
  name: string,
  phase?: BackupSessionPhase,
  extra: { retryLeft?: number; retried?: boolean; nextRetry?: string; created?: string } = {},
): BackupSession {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupSession',
    metadata: { name, namespace: 'demo', ...(extra.created ? { creationTimestamp: extra.created } : {}) },
    spec: {
      invoker: { apiGroup: 'stash.appscode.com', kind: 'BackupConfiguration', name: 'es-backup' },
      ...(extra.retryLeft !== undefined ? { retryLeft: extra.retryLeft } : {}),
    },
    status: {
      ...(phase ? { phase } : {}),
      ...(extra.retried !== undefined ? { retried: extra.retried } : {}),
      ...(extra.nextRetry ? { nextRetry: extra.nextRetry } : {}),
    },
  };
}

describe('shouldSkip', () => {
  it.each([
    [
      'the invoker is NotReady',
      bs('s2'),
      'NotReady',
      [],
      true,
      'BackupConfiguration demo/es-backup is not ready',
    ],
    ['the invoker phase is unknown', bs('s2'), undefined, [], true, 'is not ready'],
    [
      'another session is Running',
      bs('s2'),
      'Ready',
      [bs('s1', 'Running')],
      true,
      'Previous BackupSession: s1 is "Running"',
    ],
    [
      'this session is Pending and another Running',
      bs('s2', 'Pending'),
      'Ready',
      [bs('s1', 'Running')],
      true,
      's1',
    ],
    ['this session already runs', bs('s2', 'Running'), 'Ready', [bs('s1', 'Running')], false, undefined],
    ['others are finished', bs('s2'), 'Ready', [bs('s1', 'Succeeded'), bs('s0', 'Failed')], false, undefined],
    ['only itself is in the list', bs('s2'), 'Ready', [bs('s2', 'Running')], false, undefined],
  ] as const)('Given %s, When checked, Then skip=%s', (_n, session, phase, others, skip, msg) => {
    const d = shouldSkip(session, phase, others);
    expect(d.skip).toBe(skip);
    if (msg) expect(d.message).toContain(msg);
    else expect(d.message).toBeUndefined();
  });
});

describe('historyToDelete', () => {
  const cases: [string, BackupSession[], number, string[]][] = [
    [
      'limit 1 keeps the newest and the last completed',
      [bs('s5', 'Skipped'), bs('s4', 'Succeeded'), bs('s3', 'Failed'), bs('s2', 'Succeeded')],
      1,
      ['s3', 's2'],
    ],
    [
      'limit 1 with the newest completed',
      [bs('s3', 'Succeeded'), bs('s2', 'Failed'), bs('s1', 'Skipped')],
      1,
      ['s2', 's1'],
    ],
    [
      'limit 2',
      [bs('s4', 'Succeeded'), bs('s3', 'Failed'), bs('s2', 'Succeeded'), bs('s1', 'Unknown')],
      2,
      ['s2', 's1'],
    ],
    [
      'running and pending are never deleted',
      [bs('s4', 'Succeeded'), bs('s3', 'Running'), bs('s2', 'Pending'), bs('s1'), bs('s0', 'Failed')],
      1,
      ['s0'],
    ],
    [
      'limit 0 deletes every finished session',
      [bs('s3', 'Running'), bs('s2', 'Succeeded'), bs('s1', 'Failed')],
      0,
      ['s2', 's1'],
    ],
    ['negative limit behaves like 0', [bs('s2', 'Succeeded')], -1, ['s2']],
    ['fewer sessions than the limit', [bs('s1', 'Succeeded')], 3, []],
    [
      'only skipped sessions beyond the limit',
      [bs('s3', 'Skipped'), bs('s2', 'Skipped'), bs('s1', 'Skipped')],
      1,
      ['s2', 's1'],
    ],
  ];
  it.each(cases)('Given %s, When cleaning, Then exactly these are deleted', (_n, sessions, limit, want) => {
    expect(historyToDelete(sessions, limit).map((s) => s.metadata.name)).toEqual(want);
  });

  it('Given the newest session still completing, When cleaning with limit 1, Then the one before it goes', () => {
    const sessions = [bs('s2', 'Running'), bs('s1', 'Succeeded')];
    expect(historyToDelete(sessions, 1, 's2').map((s) => s.metadata.name)).toEqual(['s1']);
    // Without knowing s2 is completing, s1 is the last completed session and survives.
    expect(historyToDelete(sessions, 1).map((s) => s.metadata.name)).toEqual([]);
  });

  it('Given unsorted sessions, When sorted, Then newest first with name as tie-break', () => {
    const sorted = sortNewestFirst([
      bs('a', 'Succeeded', { created: '2024-01-01T00:00:00Z' }),
      bs('c', 'Succeeded', { created: '2024-01-02T00:00:00Z' }),
      bs('b', 'Succeeded', { created: '2024-01-02T00:00:00Z' }),
    ]);
    expect(sorted.map((s) => s.metadata.name)).toEqual(['c', 'b', 'a']);
  });
});

describe('nextRetryAt', () => {
  const now = new Date('2024-01-01T00:00:00Z');
  it.each([
    [
      'a failed session with retries and a delay',
      bs('s', 'Failed', { retryLeft: 2 }),
      { maxRetry: 2, delay: '10m' },
      '2024-01-01T00:10:00.000Z',
    ],
    [
      'no delay retries immediately',
      bs('s', 'Failed', { retryLeft: 1 }),
      { maxRetry: 1 },
      '2024-01-01T00:00:00.000Z',
    ],
    [
      'an already scheduled retry keeps its time',
      bs('s', 'Failed', { retryLeft: 1, nextRetry: '2024-01-01T00:03:00Z' }),
      { maxRetry: 1, delay: '10m' },
      '2024-01-01T00:03:00.000Z',
    ],
    ['no retries left', bs('s', 'Failed', { retryLeft: 0 }), { maxRetry: 1 }, null],
    ['already retried', bs('s', 'Failed', { retryLeft: 1, retried: true }), { maxRetry: 1 }, null],
    ['a succeeded session', bs('s', 'Succeeded', { retryLeft: 1 }), { maxRetry: 1 }, null],
    ['no retry config', bs('s', 'Failed', { retryLeft: 1 }), undefined, null],
  ] as const)('Given %s, When asked, Then %s', (_n, session, cfg, want) => {
    const at = nextRetryAt(session, cfg, now);
    expect(at === null ? null : at.toISOString()).toBe(want);
  });

  it('Given a retried session, When the next one is created, Then retryLeft decreases and never below 0', () => {
    expect(retryLeftAfterRetry(bs('s', 'Failed', { retryLeft: 2 }))).toBe(1);
    expect(retryLeftAfterRetry(bs('s', 'Failed', { retryLeft: 0 }))).toBe(0);
  });
});
