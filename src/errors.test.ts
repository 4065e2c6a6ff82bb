import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asStowageError, ERROR_CODES, StowageError } from './errors.ts';

describe('the error table', () => {
  it('is documented row by row in docs/errors.md', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([A-Z_]+)` +\| (\d) [^|]*\| (yes|no) +\| `(\w+)` +\|$/gm)].map((m) => [
        m[1],
        { exit: Number(m[2]), retryable: m[3] === 'yes', reason: m[4] },
      ]),
    );
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });

  it('gives every code a distinct reason', () => {
    const reasons = Object.values(ERROR_CODES).map((c) => c.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it('makes anything thrown a StowageError: itself, or INTERNAL (retryable, exit 5) carrying it', () => {
    const own = new StowageError('RESTIC_LOCKED', 'locked');
    expect(asStowageError(own)).toBe(own);
    expect([own.retryable, own.exitStatus, own.reason]).toEqual([true, 4, 'RepositoryLocked']);
    const bug = new TypeError('x is undefined');
    const wrapped = asStowageError(bug);
    expect([wrapped.code, wrapped.retryable, wrapped.exitStatus, wrapped.cause]).toEqual([
      'INTERNAL',
      true,
      5,
      bug,
    ]);
  });
});
