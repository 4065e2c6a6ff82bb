import { describe, expect, it } from 'vitest';
import type { Condition, HostRestoreStats } from '../api/index.ts';
import { restoreSessionPhase, restoreTargetPhase } from './restore-session-phase.ts';

type S = Condition['status'];
const conds = (m: Record<string, S>): Condition[] =>
  Object.entries(m).map(([type, status]) => ({ type, status }));
const h = (phase: HostRestoreStats['phase'], hostname = 'host-0'): HostRestoreStats => ({ hostname, phase });
const ready = {
  RepositoryFound: 'True',
  BackendSecretFound: 'True',
  ValidationPassed: 'True',
  RestoreTargetFound: 'True',
  RestoreExecutorEnsured: 'True',
} as Record<string, S>;

describe('restoreTargetPhase', () => {
  it.each([
    ['nothing', undefined, undefined, [], 'Pending'],
    ['conditions but no totalHosts', ready, undefined, [], 'Pending'],
    ['target not found', { ...ready, RestoreTargetFound: 'False' }, 1, [], 'Pending'],
    ['executor failed', { RestoreExecutorEnsured: 'False' }, undefined, [], 'Failed'],
    ['pre hook failed', { ...ready, PreRestoreHookExecutionSucceeded: 'False' }, 1, [], 'Failed'],
    [
      'post hook failed',
      { ...ready, PostRestoreHookExecutionSucceeded: 'False' },
      1,
      [h('Succeeded')],
      'Failed',
    ],
    ['no host reported', ready, 1, [], 'Running'],
    ['a host still running', ready, 1, [h('Running')], 'Running'],
    ['host succeeded', ready, 1, [h('Succeeded')], 'Succeeded'],
    ['host failed', ready, 2, [h('Succeeded'), h('Failed', 'host-1')], 'Failed'],
    ['unknown beats failed', ready, 2, [h('Unknown'), h('Failed', 'host-1')], 'Unknown'],
  ] as const)('Given %s, When computed, Then %s', (_n, m, totalHosts, stats, want) => {
    expect(
      restoreTargetPhase({
        conditions: m ? conds(m) : undefined,
        ...(totalHosts !== undefined ? { totalHosts } : {}),
        stats: [...stats],
      }),
    ).toBe(want);
  });
});

describe('restoreSessionPhase', () => {
  const cases: [string, Record<string, S>, number | undefined, HostRestoreStats[], string][] = [
    ['a new session', {}, undefined, [], 'Pending'],
    ['repository missing', { RepositoryFound: 'False' }, undefined, [], 'Pending'],
    ['secret missing', { RepositoryFound: 'True', BackendSecretFound: 'False' }, undefined, [], 'Pending'],
    ['target missing', { ...ready, RestoreTargetFound: 'False' }, 1, [], 'Pending'],
    ['executor ensured, hosts unknown', ready, undefined, [], 'Pending'],
    ['restoring', ready, 1, [], 'Running'],
    ['host done, metrics not pushed', ready, 1, [h('Succeeded')], 'Running'],
    ['host done, metrics pushed', { ...ready, MetricsPushed: 'True' }, 1, [h('Succeeded')], 'Succeeded'],
    ['host failed, metrics pushed', { ...ready, MetricsPushed: 'True' }, 1, [h('Failed')], 'Failed'],
    ['host unknown, metrics pushed', { ...ready, MetricsPushed: 'True' }, 1, [h('Unknown')], 'Unknown'],
    ['metrics push failed', { ...ready, MetricsPushed: 'False' }, 1, [h('Succeeded')], 'Failed'],
    [
      'deadline exceeded, metrics pushed',
      { ...ready, DeadlineExceeded: 'True', MetricsPushed: 'True' },
      1,
      [],
      'Failed',
    ],
    ['deadline exceeded, metrics not pushed', { ...ready, DeadlineExceeded: 'True' }, 1, [], 'Running'],
    [
      'validation failed',
      { RepositoryFound: 'True', BackendSecretFound: 'True', ValidationPassed: 'False' },
      undefined,
      [],
      'Invalid',
    ],
    [
      'executor failed, metrics pushed',
      { ...ready, RestoreExecutorEnsured: 'False', MetricsPushed: 'True' },
      undefined,
      [],
      'Failed',
    ],
  ];
  it.each(cases)('Given %s, When computed, Then %s', (_n, m, totalHosts, stats, want) => {
    expect(
      restoreSessionPhase({
        conditions: conds(m),
        ...(totalHosts !== undefined ? { totalHosts } : {}),
        stats,
      }),
    ).toBe(want);
  });
});
