import { describe, expect, it } from 'vitest';
import { backupFromCommandArgs, backupPathsArgs } from './backup.ts';
import { commonFlags } from './common.ts';
import { forgetArgs, hasKeepRule } from './forget.ts';
import { catLockArgs, listLocksArgs, unlockArgs } from './locks.ts';
import { checkArgs, initArgs, probeArgs, snapshotsArgs, statsArgs, versionArgs } from './repository.ts';
import { dumpArgs, restoreArgs } from './restore.ts';

describe('commonFlags', () => {
  it.each([
    [{ globalArgs: [] }, ['--no-cache']],
    [{ cacheDir: '/c', globalArgs: ['--insecure-tls'] }, ['--cache-dir', '/c', '--insecure-tls']],
    [{ globalArgs: ['--cacert', '/s/ca.crt'] }, ['--no-cache', '--cacert', '/s/ca.crt']],
  ])('%j', (input, want) => expect(commonFlags(input)).toEqual(want));
});

describe('backup', () => {
  it('from a command: stdin-from-command, filename, host, tags, command after --', () => {
    expect(
      backupFromCommandArgs({
        host: 'db-0',
        tags: ['a', 'b'],
        filename: 'dump.sql',
        command: ['pg_dumpall', '-c'],
      }),
    ).toEqual([
      'backup',
      '--json',
      '--quiet',
      '--host',
      'db-0',
      '--tag',
      'a',
      '--tag',
      'b',
      '--stdin-from-command',
      '--stdin-filename',
      'dump.sql',
      '--',
      'pg_dumpall',
      '-c',
    ]);
  });
  it('drops --quiet when progress is wanted and cleans the cache when one is used', () => {
    expect(
      backupFromCommandArgs({ host: 'h', filename: 'f', command: ['x'], progress: true, cleanupCache: true }),
    ).toEqual([
      'backup',
      '--json',
      '--host',
      'h',
      '--cleanup-cache',
      '--stdin-from-command',
      '--stdin-filename',
      'f',
      '--',
      'x',
    ]);
  });
  it('rejects an empty command', () => {
    expect(() => backupFromCommandArgs({ host: 'h', filename: 'f', command: [] })).toThrow(/empty/);
  });
  it('paths with excludes; a path starting with - stays a path', () => {
    expect(backupPathsArgs({ host: 'h', paths: ['/data', '-odd'], exclude: ['*.tmp'] })).toEqual([
      'backup',
      '--json',
      '--quiet',
      '--host',
      'h',
      '--exclude',
      '*.tmp',
      '--',
      '/data',
      '-odd',
    ]);
  });
  it('rejects no paths', () => {
    expect(() => backupPathsArgs({ host: 'h', paths: [] })).toThrow(/no paths/);
  });
});

describe('restore and dump', () => {
  it('latest is narrowed by host and path', () => {
    expect(restoreArgs({ target: '/r', host: 'h', path: '/data', include: ['a'], exclude: ['b'] })).toEqual([
      'restore',
      'latest',
      '--json',
      '--quiet',
      '--target',
      '/r',
      '--host',
      'h',
      '--path',
      '/data',
      '--include',
      'a',
      '--exclude',
      'b',
    ]);
  });
  it('an explicit snapshot ignores host and path (as Stash)', () => {
    expect(restoreArgs({ snapshot: 'abc123', target: '/r', host: 'h', path: '/p', progress: true })).toEqual([
      'restore',
      'abc123',
      '--json',
      '--target',
      '/r',
    ]);
  });
  it.each([
    [{ filename: 'dump.sql' }, ['dump', '--quiet', 'latest', '/dump.sql']],
    [{ filename: '/dump.sql', snapshot: 'abc', host: 'h' }, ['dump', '--quiet', 'abc', '/dump.sql']],
    [{ filename: 'db/x.sql', host: 'h' }, ['dump', '--quiet', '--host', 'h', 'latest', '/db/x.sql']],
  ])('dump %j', (input, want) => expect(dumpArgs(input)).toEqual(want));
});

describe('forget', () => {
  it('keeps only positive values, in restic flag order, with tags, prune and dry-run', () => {
    expect(
      forgetArgs(
        {
          keepLast: 5,
          keepHourly: 0,
          keepDaily: -1,
          keepWeekly: 2,
          keepMonthly: 1,
          keepYearly: 3,
          keepTags: ['x'],
          prune: true,
          dryRun: true,
        },
        { host: 'h' },
      ),
    ).toEqual([
      'forget',
      '--json',
      '--quiet',
      '--host',
      'h',
      '--keep-last',
      '5',
      '--keep-weekly',
      '2',
      '--keep-monthly',
      '1',
      '--keep-yearly',
      '3',
      '--keep-tag',
      'x',
      '--prune',
      '--dry-run',
    ]);
  });
  it('no host filter covers the whole repository', () => {
    expect(forgetArgs({ keepLast: 1 })).toEqual(['forget', '--json', '--quiet', '--keep-last', '1']);
  });
  it.each([
    [{}, false],
    [{ keepLast: 0, keepDaily: -1 }, false],
    [{ keepTags: [] }, false],
    [{ keepDaily: 1 }, true],
    [{ keepTags: ['t'] }, true],
  ])('hasKeepRule(%j) = %s', (flags, want) => expect(hasKeepRule(flags)).toBe(want));
});

describe('repository and lock verbs', () => {
  it.each([
    [versionArgs(), ['version', '--json']],
    [probeArgs(), ['cat', 'config', '--no-lock']],
    [initArgs(), ['init', '--json']],
    [snapshotsArgs(), ['snapshots', '--json', '--quiet', '--no-lock']],
    [
      snapshotsArgs({ host: 'h', tags: ['a', 'b'] }),
      ['snapshots', '--json', '--quiet', '--no-lock', '--host', 'h', '--tag', 'a,b'],
    ],
    [checkArgs(), ['check', '--json', '--no-lock']],
    [checkArgs({ readData: true }), ['check', '--json', '--no-lock', '--read-data']],
    [statsArgs(), ['stats', '--json', '--quiet', '--mode', 'raw-data', '--no-lock']],
    [listLocksArgs(), ['list', 'locks', '--no-lock']],
    [catLockArgs('ab'), ['cat', 'lock', 'ab', '--no-lock']],
    [unlockArgs(), ['unlock']],
    [unlockArgs({ removeAll: true }), ['unlock', '--remove-all']],
  ])('%j', (got, want) => expect(got).toEqual(want));
});
