import { describe, expect, it } from 'vitest';
import { StowageError } from '../errors.ts';
import { ResticError, errorFromExit } from './errors.ts';

const base = { verb: 'backup', signal: null, stderrTail: 'line one\nFatal: something broke\n' };

describe('errorFromExit', () => {
  it.each([
    [1, 'RESTIC_FAILED', false],
    [3, 'RESTIC_PARTIAL', false],
    [10, 'RESTIC_REPOSITORY_NOT_FOUND', false],
    [11, 'RESTIC_LOCKED', true],
    [12, 'RESTIC_WRONG_PASSWORD', false],
    [130, 'RESTIC_INTERRUPTED', false],
    [42, 'RESTIC_FAILED', false],
  ])('exit %i → %s', (exitCode, code, retryable) => {
    const e = errorFromExit({ ...base, exitCode });
    expect(e).toBeInstanceOf(ResticError);
    expect(e).toBeInstanceOf(StowageError);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.exitCode).toBe(exitCode);
  });
  it('a signal or an abort means interrupted', () => {
    expect(errorFromExit({ ...base, exitCode: null, signal: 'SIGKILL' }).code).toBe('RESTIC_INTERRUPTED');
    expect(errorFromExit({ ...base, exitCode: 1, aborted: true }).code).toBe('RESTIC_INTERRUPTED');
  });
  it('uses restic reason, else the last stderr line', () => {
    expect(errorFromExit({ ...base, exitCode: 1 }).message).toContain('Fatal: something broke');
    expect(errorFromExit({ ...base, exitCode: 1, reason: 'unable to save snapshot' }).message).toContain(
      'unable to save snapshot',
    );
    expect(errorFromExit({ ...base, exitCode: 1, stderrTail: '' }).message).toContain('no error output');
  });
  it('keeps the stderr tail in details', () => {
    expect(errorFromExit({ ...base, exitCode: 1 }).details).toMatchObject({
      stderrTail: base.stderrTail,
      exitCode: 1,
    });
  });
});
