import { describe, expect, it } from 'vitest';
import {
  backupJobName,
  backupSessionName,
  cronJobName,
  interimPvcName,
  nameWithSuffix,
  restoreJobName,
  validNameWithPrefix,
  validNameWithPrefixNSuffix,
  validNameWithSuffix,
} from './naming.ts';

const long = (n: number, c = 'a') => c.repeat(n);

describe('kmodules name helpers', () => {
  it.each([
    ['short names are joined', () => validNameWithPrefix('p', 'name'), 'p-name'],
    ['a long prefix name keeps the start', () => validNameWithPrefix('p', long(70)), `p-${long(61)}`],
    ['a cut at a dash is trimmed', () => validNameWithPrefix('abc', 'd-e', 5), 'abc-d'],
    ['the cut respects a custom max', () => validNameWithPrefix('abc', 'defgh', 6), 'abc-de'],
    ['suffix helper keeps the end', () => validNameWithSuffix(long(70), 'sfx'), `${long(59)}-sfx`],
    ['suffix helper trims a leading dash', () => validNameWithSuffix('ab', 'cd', 3), 'cd'],
    [
      'nameWithSuffix truncates the name only',
      () => nameWithSuffix(long(70), '1700000000'),
      `${long(52)}-1700000000`,
    ],
    ['nameWithSuffix keeps a short name', () => nameWithSuffix('bc', '1'), 'bc-1'],
    ['prefix+suffix fits unchanged', () => validNameWithPrefixNSuffix('p', 'n', 's'), 'p-n-s'],
  ])('Given %s, When named, Then the result is exact', (_n, fn, want) => {
    expect(fn()).toBe(want);
  });

  it('Given p-n-s longer than 63, When named, Then first 32 + last 31 characters are kept', () => {
    const out = validNameWithPrefixNSuffix('stash-backup', `${long(40, 'x')}${long(40, 'y')}`, '7');
    expect(out).toHaveLength(63);
    expect(out).toBe(`stash-backup-${long(19, 'x')}${long(29, 'y')}-7`);
  });

  it('Given an odd max, When middle-truncated, Then ⌈max/2⌉ from the start and ⌊max/2⌋ from the end', () => {
    expect(validNameWithPrefixNSuffix('abc', 'def', 'ghi', 5)).toBe('abchi');
  });
});

describe('Stash object names', () => {
  it('Given a BackupConfiguration with dots, When naming its CronJob, Then dots become dashes', () => {
    expect(cronJobName({ name: 'es.backup', namespace: 'demo' })).toBe('stash-trigger-es-backup');
  });

  it('Given a long BackupConfiguration name, When naming its CronJob, Then the last 52 characters are kept', () => {
    const name = cronJobName({ name: long(60), namespace: 'demo' });
    expect(name).toBe(long(52));
  });

  it('Given a target in the same namespace, When naming the CronJob, Then the namespace is not added', () => {
    expect(cronJobName({ name: 'bc', namespace: 'demo' }, 'demo')).toBe('stash-trigger-bc');
  });

  it('Given a cross-namespace target, When naming the CronJob, Then ns joins, middle-truncated to 52', () => {
    expect(cronJobName({ name: 'bc', namespace: 'demo' }, 'db')).toBe('stash-trigger-demo-bc');
    const out = cronJobName({ name: long(40, 'n'), namespace: long(20, 's') }, 'db');
    expect(out).toHaveLength(52);
    expect(out).toBe(`stash-trigger-${long(12, 's')}${long(26, 'n')}`);
  });

  it('Given a BackupSession, When naming the job for target 0, Then stash-backup-<session>-0', () => {
    expect(backupJobName('es.backup-1700000000', 0)).toBe('stash-backup-es-backup-1700000000-0');
  });

  it('Given a long BackupSession, When naming the job, Then it is 63 chars and keeps the index', () => {
    const out = backupJobName(`${long(30, 'b')}-${long(30, 'c')}-1700000000`, 2);
    expect(out).toHaveLength(63);
    expect(out.startsWith('stash-backup-bbbb')).toBe(true);
    expect(out.endsWith('-1700000000-2')).toBe(true);
  });

  it('Given a RestoreSession, When naming jobs, Then stash-restore-<rs>-<i>[-<ordinal>]', () => {
    expect(restoreJobName('es-restore', 0)).toBe('stash-restore-es-restore-0');
    expect(restoreJobName('es-restore', 0, 2)).toBe('stash-restore-es-restore-0-2');
  });

  it('Given a BackupConfiguration and a unix time, When naming the session, Then <bc>-<seconds> ≤ 63', () => {
    expect(backupSessionName('es-backup', 1700000000)).toBe('es-backup-1700000000');
    const out = backupSessionName(long(60), 1700000000);
    expect(out).toHaveLength(63);
    expect(out.endsWith('-1700000000')).toBe(true);
  });

  it('Given a session and a PVC template, When naming the interim PVC, Then <owner>-<template> keeping the start', () => {
    expect(interimPvcName('es-backup-1700000000', 'stash-tmp-storage')).toBe(
      'es-backup-1700000000-stash-tmp-storage',
    );
    expect(interimPvcName(long(60), 'tmpl')).toBe(`${long(60)}-tm`);
  });
});
