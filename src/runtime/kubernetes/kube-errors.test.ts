import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { StowageError, ValidationError } from '../../errors.ts';
import { toStowageError } from './kube-errors.ts';

const apiError = (code: number, status: object | string | undefined) =>
  new ApiException<unknown>(
    code,
    'Unknown API Status Code!',
    typeof status === 'object' ? JSON.stringify(status) : status,
    {},
  );

describe('toStowageError', () => {
  it('404 → NOT_FOUND', () => {
    const e = toStowageError(apiError(404, { reason: 'NotFound', message: 'x' }), 'get', 'Repository demo/r');
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe('Repository demo/r not found');
  });

  it('409 is ALREADY_EXISTS on create and CONFLICT (retryable) on update', () => {
    const exists = apiError(409, { reason: 'AlreadyExists', message: 'already exists' });
    expect(toStowageError(exists, 'create', 'BackupSession demo/s').code).toBe('ALREADY_EXISTS');
    const changed = apiError(409, { reason: 'Conflict', message: 'the object has been modified' });
    const e = toStowageError(changed, 'update', 'BackupSession demo/s');
    expect(e.code).toBe('CONFLICT');
    expect(e.retryable).toBe(true);
  });

  it("422 → INVALID_INPUT with the server's field causes", () => {
    const e = toStowageError(
      apiError(422, {
        reason: 'Invalid',
        message: 'CronJob.batch "x" is invalid: spec.schedule: Invalid value: "nope"',
        details: { causes: [{ field: 'spec.schedule', message: 'Invalid value: "nope": bad schedule' }] },
      }),
      'create',
      'CronJob demo/x',
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.code).toBe('INVALID_INPUT');
    expect((e as ValidationError).issues).toEqual([
      { path: 'spec.schedule', message: 'Invalid value: "nope": bad schedule' },
    ]);
  });

  it('422 without causes keeps the message; 503 and network errors are retryable', () => {
    const e = toStowageError(apiError(422, { message: 'nope' }), 'update', 'X demo/x') as ValidationError;
    expect(e.issues).toEqual([{ path: '', message: 'nope' }]);
    expect(toStowageError(apiError(503, 'down'), 'get', 'X').retryable).toBe(true);
    const net = toStowageError(new Error('connect ECONNREFUSED'), 'get', 'X');
    expect(net.code).toBe('KUBE_API_UNAVAILABLE');
    expect(net.retryable).toBe(true);
  });

  it('403 names the permission problem; StowageErrors pass through', () => {
    expect(toStowageError(apiError(403, { message: 'forbidden' }), 'get', 'X').code).toBe('FORBIDDEN');
    const own = new StowageError('NOT_FOUND', 'x');
    expect(toStowageError(own, 'get', 'X')).toBe(own);
  });
});
