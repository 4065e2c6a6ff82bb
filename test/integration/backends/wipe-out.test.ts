/**
 * wipeOut against the real peers: a restic repository initialized and backed up under a prefix,
 * wiped through src/backends/wipe-out.ts, must leave nothing under `<prefix>/` and everything
 * else (an object outside the prefix, a sibling repository whose name starts with the same
 * characters) untouched and usable.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/api/stash/v1alpha1/backend.ts';
import { connectBackend } from '../../../src/backends/index.ts';
import { wipeOutRepository } from '../../../src/backends/wipe-out.ts';
import { StowageError } from '../../../src/errors.ts';
import { startMinio, type Minio } from '../../harness/minio.ts';
import { resticFor, tempDir } from '../../harness/restic.ts';
import { startRestServer, type RestServer } from '../../harness/rest-server.ts';

let work: { dir: string; cleanup(): Promise<void> };
let source: string;

beforeAll(async () => {
  work = await tempDir('stowage-wipe-');
  source = join(work.dir, 'source');
  await mkdir(join(source, 'nested'), { recursive: true });
  await writeFile(join(source, 'a.txt'), 'alpha\n');
  await writeFile(join(source, 'nested', 'random.bin'), randomBytes(300_000));
});
afterAll(async () => {
  await work?.cleanup();
});

/** restic init + one backup through the same connection Stowage builds; returns the snapshot id. */
async function initAndBackUp(backend: Backend, secret: Record<string, string>): Promise<string> {
  const materialized = await connectBackend(backend, secret, { parentDir: work.dir });
  try {
    const restic = await resticFor(materialized.connection);
    expect(await restic.ensureRepository()).toBe('initialized');
    return (await restic.backupPaths({ paths: [source], host: 'wipe-host' })).snapshotId;
  } finally {
    await materialized.dispose();
  }
}

async function snapshotIds(backend: Backend, secret: Record<string, string>): Promise<string[]> {
  const materialized = await connectBackend(backend, secret, { parentDir: work.dir });
  try {
    const restic = await resticFor(materialized.connection);
    return (await restic.snapshots()).map((s) => s.id);
  } finally {
    await materialized.dispose();
  }
}

async function failureOf(p: Promise<unknown>): Promise<StowageError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StowageError);
  return e as StowageError;
}

describe('wipeOut: s3 (MinIO)', () => {
  const BUCKET = 'wipe';
  let minio: Minio;
  let s3: Client;
  let keys: Record<string, string>;
  const backend = (prefix: string | undefined, bucket = BUCKET): Backend => ({
    storageSecretName: 's3-secret',
    s3: {
      endpoint: minio.endpoint,
      bucket,
      ...(prefix === undefined ? {} : { prefix }),
      region: 'us-east-1',
    },
  });

  const names = async (prefix = '', bucket = BUCKET): Promise<string[]> => {
    const out: string[] = [];
    for await (const item of s3.listObjectsV2(bucket, prefix, true)) {
      const name = (item as { name?: string }).name;
      if (name !== undefined) out.push(name);
    }
    return out.sort();
  };

  beforeAll(async () => {
    minio = await startMinio();
    const url = new URL(minio.endpoint);
    s3 = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: minio.accessKey,
      secretKey: minio.secretKey,
      region: 'us-east-1',
    });
    keys = {
      RESTIC_PASSWORD: 'wipe-pw',
      AWS_ACCESS_KEY_ID: minio.accessKey,
      AWS_SECRET_ACCESS_KEY: minio.secretKey,
    };
  });
  afterAll(async () => {
    await minio?.stop();
  });

  it('deletes every object under <prefix>/ and nothing else', async () => {
    const wiped = await initAndBackUp(backend('/demo//pg/'), keys);
    const sibling = await initAndBackUp(backend('demo/pg-other'), keys);
    await s3.putObject(BUCKET, 'demo/outside.txt', 'keep me');
    await s3.putObject(BUCKET, 'demo/pg.txt', 'keep me too');
    const before = await names('demo/pg/');
    expect(before).toContain('demo/pg/config');
    expect(before.some((n) => n.startsWith('demo/pg/data/'))).toBe(true);
    expect(await snapshotIds(backend('demo/pg'), keys)).toEqual([wiped]);

    const result = await wipeOutRepository(backend('/demo//pg/'), keys);
    expect(result).toEqual({ location: `s3:${minio.endpoint}/${BUCKET}/demo/pg/`, removed: before.length });
    expect(await names('demo/pg/')).toEqual([]);
    expect(await names('demo/')).toEqual(
      expect.arrayContaining(['demo/outside.txt', 'demo/pg.txt', 'demo/pg-other/config']),
    );
    expect(await snapshotIds(backend('demo/pg-other'), keys)).toEqual([sibling]);

    // Again: nothing left, nothing to do.
    expect((await wipeOutRepository(backend('demo/pg'), keys)).removed).toBe(0);
  });

  it('a repository at the bucket root: only restic’s own files go', async () => {
    await s3.makeBucket('rooted', 'us-east-1');
    await initAndBackUp(backend(undefined, 'rooted'), keys);
    await s3.putObject('rooted', 'configuration-notes.txt', 'not restic');
    await s3.putObject('rooted', 'other/file.txt', 'not restic');
    const result = await wipeOutRepository(backend(undefined, 'rooted'), keys);
    expect(result.location).toBe(`s3:${minio.endpoint}/rooted/`);
    expect(result.removed).toBeGreaterThan(5);
    expect(await names('', 'rooted')).toEqual(['configuration-notes.txt', 'other/file.txt']);
  });

  it('a bucket that does not exist: nothing to delete', async () => {
    expect(await wipeOutRepository(backend('x', 'never-created'), keys)).toEqual({
      location: `s3:${minio.endpoint}/never-created/x/`,
      removed: 0,
    });
  });

  it('wrong credentials fail with WIPE_OUT_FAILED naming the location, never the secret', async () => {
    await initAndBackUp(backend('demo/denied'), keys);
    const wrong = { ...keys, AWS_SECRET_ACCESS_KEY: 'not-the-secret-key-value' };
    const err = await failureOf(wipeOutRepository(backend('demo/denied'), wrong));
    expect(err.code).toBe('WIPE_OUT_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`s3:${minio.endpoint}/${BUCKET}/demo/denied/`);
    expect(err.message).not.toContain('not-the-secret-key-value');
    expect(err.message).not.toContain(minio.secretKey);
    expect((await names('demo/denied/')).length).toBeGreaterThan(0);
  });

  it('an endpoint that refuses connections fails (retryable), it does not hang', async () => {
    const closed = {
      storageSecretName: 's3-secret',
      s3: { endpoint: 'http://127.0.0.1:9', bucket: 'bucket' },
    };
    const err = await failureOf(wipeOutRepository(closed, keys));
    expect(err.code).toBe('WIPE_OUT_FAILED');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});

describe('wipeOut: rest (rest-server with auth)', () => {
  let server: RestServer;
  let secret: Record<string, string>;
  const backend = (path: string): Backend => ({
    storageSecretName: 'rest-secret',
    rest: { url: `${server.url}${path}` },
  });

  async function filesUnder(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  }

  beforeAll(async () => {
    server = await startRestServer({ auth: true });
    secret = {
      RESTIC_PASSWORD: 'wipe-pw',
      REST_SERVER_USERNAME: server.username!,
      REST_SERVER_PASSWORD: server.password!,
    };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('deletes every file of the repository (data, keys, locks, snapshots, index, config) and nothing else', async () => {
    await initAndBackUp(backend('stowage/repo'), secret);
    const sibling = await initAndBackUp(backend('stowage/repo-other'), secret);
    await writeFile(join(server.dataDir, 'stowage', 'outside.txt'), 'keep me');
    const before = await filesUnder(join(server.dataDir, 'stowage', 'repo'));
    expect(before).toContain('config');
    expect(before.some((f) => f.startsWith('data/'))).toBe(true);
    expect(before.some((f) => f.startsWith('keys/'))).toBe(true);

    const result = await wipeOutRepository(backend('stowage/repo'), secret);
    expect(result).toEqual({ location: `rest:${server.url}stowage/repo/`, removed: before.length });
    expect(await filesUnder(join(server.dataDir, 'stowage', 'repo'))).toEqual([]);
    expect(await filesUnder(join(server.dataDir, 'stowage'))).toContain('outside.txt');
    expect(await snapshotIds(backend('stowage/repo-other'), secret)).toEqual([sibling]);

    expect((await wipeOutRepository(backend('stowage/repo/'), secret)).removed).toBe(0);
  });

  it('a repository that was never initialized: nothing to delete', async () => {
    expect((await wipeOutRepository(backend('stowage/never'), secret)).removed).toBe(0);
  });

  it('a wrong password fails with 401 and a hint, never the password', async () => {
    await initAndBackUp(backend('stowage/locked'), secret);
    const wrong = { ...secret, REST_SERVER_PASSWORD: 'wrong-password-value' };
    const err = await failureOf(wipeOutRepository(backend('stowage/locked'), wrong));
    expect(err.code).toBe('WIPE_OUT_FAILED');
    expect(err.message).toMatch(/HTTP 401.*REST_SERVER_USERNAME/);
    expect(err.message).toContain(`rest:${server.url}stowage/locked/`);
    expect(err.message).not.toContain('wrong-password-value');
    expect(err.message).not.toContain(server.password!);
    expect((await filesUnder(join(server.dataDir, 'stowage', 'locked'))).length).toBeGreaterThan(0);
  });

  it('credentials written into the URL are used as restic would use them', async () => {
    await initAndBackUp(backend('stowage/in-url'), secret);
    const url = new URL(`${server.url}stowage/in-url`);
    url.username = encodeURIComponent(server.username!);
    url.password = encodeURIComponent(server.password!);
    const result = await wipeOutRepository(
      { storageSecretName: 'rest-secret', rest: { url: url.href } },
      { RESTIC_PASSWORD: 'wipe-pw' },
    );
    expect(result.location).toBe(`rest:${server.url}stowage/in-url/`);
    expect(result.removed).toBeGreaterThan(0);
    expect(await filesUnder(join(server.dataDir, 'stowage', 'in-url'))).toEqual([]);
  });
});
