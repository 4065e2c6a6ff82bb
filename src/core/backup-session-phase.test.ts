import { describe, expect, it } from 'vitest';
import type { BackupTargetStatus, Condition, TargetPhase } from '../api/index.ts';
import { backupSessionCompleted, backupSessionPhase, backupTargetPhase } from './backup-session-phase.ts';

type S = Condition['status'];
const conds = (m: Record<string, S>): Condition[] =>
  Object.entries(m).map(([type, status]) => ({ type, status }));
const host = (phase: 'Succeeded' | 'Failed', hostname = 'host-0') => ({ hostname, phase });
const target = (phase?: TargetPhase): BackupTargetStatus => ({
  ref: { kind: 'AppBinding', name: 'es' },
  ...(phase ? { phase } : {}),
});

describe('backupTargetPhase', () => {
  const cases: [string, Omit<BackupTargetStatus, 'ref'>, TargetPhase][] = [
    ['nothing known yet', {}, 'Pending'],
    ['executor failed', { conditions: conds({ BackupExecutorEnsured: 'False' }), totalHosts: 1 }, 'Failed'],
    ['pre hook failed', { conditions: conds({ PreBackupHookExecutionSucceeded: 'False' }) }, 'Failed'],
    ['disrupted', { conditions: conds({ BackupDisrupted: 'True' }), totalHosts: 1 }, 'Failed'],
    [
      'post hook failed despite success',
      {
        conditions: conds({ PostBackupHookExecutionSucceeded: 'False' }),
        totalHosts: 1,
        stats: [host('Succeeded')],
      },
      'Failed',
    ],
    ['executor ensured, no totalHosts', { conditions: conds({ BackupExecutorEnsured: 'True' }) }, 'Pending'],
    ['hosts still running', { totalHosts: 2, stats: [host('Succeeded')] }, 'Running'],
    [
      'all hosts succeeded',
      { totalHosts: 2, stats: [host('Succeeded'), host('Succeeded', 'host-1')] },
      'Succeeded',
    ],
    ['one host failed', { totalHosts: 2, stats: [host('Succeeded'), host('Failed', 'host-1')] }, 'Failed'],
    ['a failed host while others run', { totalHosts: 2, stats: [host('Failed')] }, 'Running'],
  ];
  it.each(cases)('Given %s, When computed, Then %s', (_n, t, want) => {
    expect(backupTargetPhase(t)).toBe(want);
  });
});

describe('backupSessionPhase', () => {
  const done = { MetricsPushed: 'True' as S };
  const cases: [string, Record<string, S>, BackupTargetStatus[], string][] = [
    ['a new session', {}, [], 'Pending'],
    ['targets added but empty', {}, [target(), target('Pending')], 'Pending'],
    ['a target running', {}, [target('Running')], 'Running'],
    ['all targets succeeded but metrics not pushed yet', {}, [target('Succeeded')], 'Running'],
    ['all targets failed but metrics not pushed yet', {}, [target('Failed')], 'Running'],
    [
      'all targets succeeded and metrics pushed',
      done,
      [target('Succeeded'), target('Succeeded')],
      'Succeeded',
    ],
    ['one target failed and metrics pushed', done, [target('Succeeded'), target('Failed')], 'Failed'],
    ['metrics push failed', { MetricsPushed: 'False' }, [target('Succeeded')], 'Failed'],
    ['metrics push failed beats skipped', { MetricsPushed: 'False', BackupSkipped: 'True' }, [], 'Failed'],
    ['skipped', { BackupSkipped: 'True' }, [], 'Skipped'],
    [
      'skipped beats deadline',
      { BackupSkipped: 'True', DeadlineExceeded: 'True', MetricsPushed: 'True' },
      [],
      'Skipped',
    ],
    ['deadline exceeded before metrics', { DeadlineExceeded: 'True' }, [target('Running')], 'Running'],
    ['deadline exceeded after metrics', { DeadlineExceeded: 'True', ...done }, [target('Running')], 'Failed'],
    ['history cleanup failed', { BackupHistoryCleaned: 'False', ...done }, [target('Succeeded')], 'Failed'],
    ['global pre hook failed', { GlobalPreBackupHookSucceeded: 'False', ...done }, [], 'Failed'],
    [
      'global post hook failed',
      { GlobalPostBackupHookSucceeded: 'False', ...done },
      [target('Succeeded')],
      'Failed',
    ],
    ['retention failed', { RetentionPolicyApplied: 'False', ...done }, [target('Succeeded')], 'Failed'],
    [
      'repository metrics failed',
      { RepositoryMetricsPushed: 'False', ...done },
      [target('Succeeded')],
      'Failed',
    ],
    ['integrity failed', { RepositoryIntegrityVerified: 'False', ...done }, [target('Succeeded')], 'Failed'],
    [
      'post actions all true',
      {
        RetentionPolicyApplied: 'True',
        RepositoryIntegrityVerified: 'True',
        RepositoryMetricsPushed: 'True',
        ...done,
      },
      [target('Succeeded')],
      'Succeeded',
    ],
    ['metrics pushed but a target still running', done, [target('Succeeded'), target('Running')], 'Running'],
    ['metrics pushed, no targets', done, [], 'Pending'],
  ];
  it.each(cases)('Given %s, When computed, Then %s', (_n, m, targets, want) => {
    expect(backupSessionPhase({ conditions: conds(m), targets })).toBe(want);
  });

  it('Given fewer target statuses than targets, When computed with expectedTargets, Then Running', () => {
    const status = { conditions: conds({ MetricsPushed: 'True' }), targets: [target('Succeeded')] };
    expect(backupSessionPhase(status, 2)).toBe('Running');
    expect(backupSessionPhase(status, 1)).toBe('Succeeded');
  });

  it('Given no status at all, When computed, Then Pending', () => {
    expect(backupSessionPhase(undefined)).toBe('Pending');
  });
});

describe('backupSessionCompleted', () => {
  it.each([
    ['no targets yet', {}, [], 1, false],
    ['all targets done', {}, [target('Succeeded'), target('Failed')], 2, true],
    ['a target missing', {}, [target('Succeeded')], 2, false],
    ['a target running', {}, [target('Running')], 1, false],
    ['deadline exceeded', { DeadlineExceeded: 'True' as S }, [target('Running')], 1, true],
    ['global pre hook failed', { GlobalPreBackupHookSucceeded: 'False' as S }, [], 1, true],
  ])('Given %s, When checked, Then completed=%s', (_n, m, targets, expected, want) => {
    expect(backupSessionCompleted({ conditions: conds(m), targets }, expected)).toBe(want);
  });
});
