import { describe, expect, it } from 'vitest';
import type { Condition } from '../api/index.ts';
import { backupInvokerPhase, type Driver } from './backup-invoker-phase.ts';

type S = Condition['status'];
const conds = (m: Record<string, S>): Condition[] =>
  Object.entries(m).map(([type, status]) => ({ type, status }));

describe('backupInvokerPhase', () => {
  const cases: [string, Record<string, S>, Driver, string][] = [
    ['no conditions yet', {}, 'Restic', 'NotReady'],
    ['repository missing', { RepositoryFound: 'False' }, 'Restic', 'NotReady'],
    [
      'repository check unknown',
      { RepositoryFound: 'Unknown', ValidationPassed: 'False' },
      'Restic',
      'NotReady',
    ],
    [
      'secret missing beats invalid',
      { RepositoryFound: 'True', BackendSecretFound: 'False', ValidationPassed: 'False' },
      'Restic',
      'NotReady',
    ],
    [
      'validation failed',
      { RepositoryFound: 'True', BackendSecretFound: 'True', ValidationPassed: 'False' },
      'Restic',
      'Invalid',
    ],
    [
      'everything true',
      {
        RepositoryFound: 'True',
        BackendSecretFound: 'True',
        ValidationPassed: 'True',
        CronJobCreated: 'True',
      },
      'Restic',
      'Ready',
    ],
    [
      'cronjob not created yet',
      { RepositoryFound: 'True', BackendSecretFound: 'True', ValidationPassed: 'True' },
      'Restic',
      'NotReady',
    ],
    [
      'cronjob failed',
      {
        RepositoryFound: 'True',
        BackendSecretFound: 'True',
        ValidationPassed: 'True',
        CronJobCreated: 'False',
      },
      'Restic',
      'NotReady',
    ],
    [
      'restic without repository conditions',
      { ValidationPassed: 'True', CronJobCreated: 'True' },
      'Restic',
      'NotReady',
    ],
    [
      'volume snapshotter needs no repository',
      { ValidationPassed: 'True', CronJobCreated: 'True' },
      'VolumeSnapshotter',
      'Ready',
    ],
    [
      'volume snapshotter invalid',
      { ValidationPassed: 'False', CronJobCreated: 'True' },
      'VolumeSnapshotter',
      'Invalid',
    ],
  ];
  it.each(cases)(
    'Given %s, When the phase is computed, Then it is the expected phase',
    (_n, m, driver, want) => {
      expect(backupInvokerPhase(conds(m), driver)).toBe(want);
    },
  );
});
