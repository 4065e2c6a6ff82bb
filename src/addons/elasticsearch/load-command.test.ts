import { describe, expect, it } from 'vitest';
import { StowageError, ValidationError } from '../../errors.ts';
import { SearchHttpError } from './http-client.ts';
import { errorLine } from './load-command.ts';

describe('errorLine', () => {
  it('is one line', () => {
    expect(errorLine(new StowageError('INTERNAL', 'first\n  second'))).toBe('error: first second');
    expect(
      errorLine(
        new ValidationError('elasticsearch restore args', [
          { path: '--concurrency', message: 'must be a whole number' },
          { path: '--limit', message: 'must be positive' },
        ]),
      ),
    ).toBe(
      'error: elasticsearch restore args is invalid: --concurrency: must be a whole number; --limit: must be positive',
    );
    expect(
      errorLine(
        new SearchHttpError(
          'GET',
          '/',
          401,
          undefined,
          '<html><head><title>401 Authorization Required</title></head></html>',
        ),
      ),
    ).toBe(
      "error: GET / → HTTP 401: 401 Authorization Required (check the user name and password in the AppBinding's Secret)",
    );
  });
});
