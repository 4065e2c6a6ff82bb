import { describe, expect, it } from 'vitest';
import { StowageError, ValidationError } from '../../errors.ts';
import { failureLine, parseCommandLine } from './dump-command.ts';
import { SearchHttpError } from './http-client.ts';

describe('parseCommandLine', () => {
  it('splits its own flags from the user args at --', () => {
    expect(parseCommandLine(['--output-dir=/d', '--', '--match=x', '--', 'y'])).toEqual({
      outputDir: '/d',
      userArgs: ['--match=x', '--', 'y'],
    });
    expect(parseCommandLine([])).toEqual({ outputDir: undefined, userArgs: [] });
    expect(() => parseCommandLine(['--match=x'])).toThrow(ValidationError);
  });
});

describe('failureLine', () => {
  it('is one line, with a hint for the usual causes', () => {
    expect(
      failureLine(new ValidationError('elasticsearch dump args', [{ path: '--slices', message: 'bad' }])),
    ).toBe('error: elasticsearch dump args is invalid: --slices: bad\n');
    expect(failureLine(new SearchHttpError('GET', '/', 401, undefined, 'Unauthorized'))).toMatch(
      /^error: GET \/ → HTTP 401: Unauthorized — check the user name and password/,
    );
    const tls = new StowageError(
      'DATABASE_UNREACHABLE',
      'GET https://h/: unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
      {
        cause: Object.assign(new Error('unable to verify'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      },
    );
    expect(failureLine(tls)).toBe(
      "error: GET https://h/: unable to verify the first certificate — the server's TLS certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): check the CA bundle of the AppBinding\n",
    );
    expect(failureLine(new Error('a\n  b'))).toBe('error: a; b\n');
  });
});
