import { describe, expect, it } from 'vitest';
import type { Condition } from '../api/index.ts';
import {
  attemptCondition,
  BackupInvokerCondition,
  BackupSessionCondition,
  getCondition,
  isConditionFalse,
  isConditionTrue,
  isConditionUnknown,
  setCondition,
} from './conditions.ts';

const t0 = new Date('2024-01-01T00:00:00Z');
const t1 = new Date('2024-01-01T00:05:00Z');

const base: Condition[] = [
  {
    type: 'RepositoryFound',
    status: 'True',
    reason: 'RepositoryAvailable',
    message: 'ok',
    lastTransitionTime: t0.toISOString(),
  },
  {
    type: 'ValidationPassed',
    status: 'True',
    reason: 'ResourceValidationPassed',
    lastTransitionTime: t0.toISOString(),
    observedGeneration: 3,
  },
];

describe('setCondition', () => {
  it('Given an empty list, When a condition is set, Then it is appended with lastTransitionTime = now', () => {
    const out = setCondition(
      undefined,
      { type: 'CronJobCreated', status: 'True', reason: 'CronJobCreationSucceeded' },
      t1,
    );
    expect(out).toEqual([
      {
        type: 'CronJobCreated',
        status: 'True',
        reason: 'CronJobCreationSucceeded',
        lastTransitionTime: t1.toISOString(),
      },
    ]);
  });

  it('Given an unchanged status, reason and message, When set, Then the same list is returned untouched', () => {
    const out = setCondition(
      base,
      { type: 'RepositoryFound', status: 'True', reason: 'RepositoryAvailable', message: 'ok' },
      t1,
    );
    expect(out).toBe(base);
    expect(out[0]?.lastTransitionTime).toBe(t0.toISOString());
  });

  it.each([
    ['status', { status: 'False' as const, reason: 'RepositoryAvailable', message: 'ok' }],
    ['reason', { status: 'True' as const, reason: 'Other', message: 'ok' }],
    ['message', { status: 'True' as const, reason: 'RepositoryAvailable', message: 'changed' }],
  ])('Given a changed %s, When set, Then the entry is replaced in place with a new time', (_f, change) => {
    const out = setCondition(base, { type: 'RepositoryFound', ...change }, t1);
    expect(out).not.toBe(base);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ type: 'RepositoryFound', ...change, lastTransitionTime: t1.toISOString() });
    expect(out[1]).toBe(base[1]);
    expect(base[0]?.status).toBe('True');
  });

  it.each([
    ['an older', 2, 'kept', true],
    ['a newer', 4, 'replaced', false],
  ])(
    'Given %s observedGeneration, When set, Then the stored condition is %s',
    (_n, observedGeneration, _w, kept) => {
      const failed = {
        type: 'ValidationPassed',
        status: 'False' as const,
        reason: 'ResourceValidationFailed',
      };
      const out = setCondition(base, { ...failed, observedGeneration }, t1);
      expect(out === base).toBe(kept);
      expect(getCondition(out, 'ValidationPassed')?.status).toBe(kept ? 'True' : 'False');
    },
  );
});

describe('condition queries', () => {
  const list: Condition[] = [
    { type: 'A', status: 'True' },
    { type: 'B', status: 'False' },
    { type: 'C', status: 'Unknown' },
  ];
  it.each([
    ['A', true, false, false],
    ['B', false, true, false],
    ['C', false, false, true],
    ['missing', false, false, false],
  ])('Given condition %s, When queried, Then true=%s false=%s unknown=%s', (type, t, f, u) => {
    expect(isConditionTrue(list, type)).toBe(t);
    expect(isConditionFalse(list, type)).toBe(f);
    expect(isConditionUnknown(list, type)).toBe(u);
  });

  it('Given the constants, When read, Then they equal the Stash strings', () => {
    expect(BackupInvokerCondition.CronJobCreated).toBe('CronJobCreated');
    expect(BackupSessionCondition.MetricsPushed).toBe('MetricsPushed');
  });
});

describe('attemptCondition', () => {
  const reasons = { succeeded: 'Done', failed: 'NotDone' };
  it('Given an action that returns, Then True with its message; one that throws, Then False with the error', async () => {
    expect(await attemptCondition('T', reasons, () => Promise.resolve('all good'))).toEqual({
      type: 'T',
      status: 'True',
      reason: 'Done',
      message: 'all good',
    });
    const failed = await attemptCondition(
      'T',
      reasons,
      () => Promise.reject(new Error('boom')),
      (e) => `x: ${String(e)}`,
    );
    expect(failed).toEqual({ type: 'T', status: 'False', reason: 'NotDone', message: 'x: Error: boom' });
  });
});
