import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectBackend } from './index.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('materializeConnection', () => {
  it('writes secret files 0600 in a 0700 dir and points env and flags at them', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'stowage-mat-'));
    dirs.push(parent);
    const m = await connectBackend(
      { gcs: { bucket: 'b' } },
      { RESTIC_PASSWORD: 'pw', GOOGLE_SERVICE_ACCOUNT_JSON_KEY: '{"k":1}', CA_CERT_DATA: 'CERT' },
      { parentDir: parent },
    );
    const keyPath = m.connection.env.GOOGLE_APPLICATION_CREDENTIALS;
    expect(keyPath).toBe(join(m.secretsDir, 'GOOGLE_SERVICE_ACCOUNT_JSON_KEY'));
    expect(await readFile(keyPath!, 'utf8')).toBe('{"k":1}');
    expect((await stat(keyPath!)).mode & 0o777).toBe(0o600);
    expect((await stat(m.secretsDir)).mode & 0o777).toBe(0o700);
    expect(m.connection.globalArgs).toEqual(['--cacert', join(m.secretsDir, 'ca.crt')]);
    expect(await readFile(join(m.secretsDir, 'ca.crt'), 'utf8')).toBe('CERT');
    expect(m.connection.env.RESTIC_PASSWORD).toBe('pw');
    await m.dispose();
    await expect(stat(m.secretsDir)).rejects.toThrow(/ENOENT/);
  });

  it('creates the local repository directory', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'stowage-mat-'));
    dirs.push(parent);
    const repo = join(parent, 'a', 'b');
    const m = await connectBackend(
      { local: { mountPath: repo } },
      { RESTIC_PASSWORD: 'pw' },
      { parentDir: parent },
    );
    expect((await stat(repo)).isDirectory()).toBe(true);
    expect(m.connection).toEqual({ repository: repo, env: { RESTIC_PASSWORD: 'pw' }, globalArgs: [] });
    await m.dispose();
  });
});
