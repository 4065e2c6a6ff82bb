import { describe, expect, it } from 'vitest';
import { restLocation } from './rest/wipe-out.ts';
import { s3Location, s3Target } from './s3/wipe-out.ts';
import { wipeOutLocation, wipeOutRepository } from './wipe-out.ts';

describe('s3Target: bucket and prefix as restic reads the repository string Stash builds', () => {
  it.each([
    [
      { endpoint: 'http://127.0.0.1:9000', bucket: 'b1', prefix: '/demo//es/' },
      { hostname: '127.0.0.1', port: 9000, useSSL: false, bucket: 'b1', prefix: 'demo/es' },
    ],
    [
      { endpoint: 'https://s3.amazonaws.com', bucket: 'stash-backup', prefix: 'a/b' },
      { hostname: 's3.amazonaws.com', port: undefined, useSSL: true, bucket: 'stash-backup', prefix: 'a/b' },
    ],
    [
      // No scheme: restic talks HTTPS.
      { endpoint: 's3.eu-west-1.amazonaws.com', bucket: 'bkt', prefix: 'x' },
      { hostname: 's3.eu-west-1.amazonaws.com', port: undefined, useSSL: true, bucket: 'bkt', prefix: 'x' },
    ],
    [
      { endpoint: 'minio.storage:9000', bucket: 'bkt' },
      { hostname: 'minio.storage', port: 9000, useSSL: true, bucket: 'bkt', prefix: '' },
    ],
    [
      { endpoint: 'http://minio:9000', bucket: 'bkt', prefix: '/' },
      { hostname: 'minio', port: 9000, useSSL: false, bucket: 'bkt', prefix: '' },
    ],
    [
      { endpoint: 'http://minio:9000', bucket: 'bkt', prefix: './a/../b' },
      { hostname: 'minio', port: 9000, useSSL: false, bucket: 'bkt', prefix: 'b' },
    ],
  ])('%j', (spec, want) => {
    expect(s3Target(spec)).toEqual(want);
  });

  it('locations end in / and carry no credentials', () => {
    expect(s3Location({ endpoint: 'http://127.0.0.1:9000', bucket: 'b1', prefix: 'demo' })).toBe(
      's3:http://127.0.0.1:9000/b1/demo/',
    );
    expect(s3Location({ endpoint: 'https://s3.amazonaws.com', bucket: 'b1' })).toBe(
      's3:https://s3.amazonaws.com/b1/',
    );
    expect(restLocation('http://user:secret@rest:8000/repo')).toBe('rest:http://rest:8000/repo/');
    expect(restLocation('https://rest:8000/')).toBe('rest:https://rest:8000/');
  });

  it('wipeOutLocation is undefined for providers it cannot wipe and for unusable endpoints', () => {
    expect(wipeOutLocation({ gcs: { bucket: 'b' } })).toBeUndefined();
    expect(wipeOutLocation({ s3: { endpoint: 'http://minio:9000/', bucket: 'b1' } })).toBeUndefined();
    expect(wipeOutLocation({ rest: { url: 'http://u:p@rest:8000/r' } })).toBe('rest:http://rest:8000/r/');
  });

  it('refuses providers outside wipeOutProviders', async () => {
    await expect(wipeOutRepository({ azure: { container: 'c' } }, {})).rejects.toMatchObject({
      code: 'WIPE_OUT_UNSUPPORTED',
      message: expect.stringContaining('this Repository uses azure') as unknown as string,
    });
  });
});
