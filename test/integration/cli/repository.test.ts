/**
 * The repository commands of `bin/stowage` — snapshots, check, unlock, download — against a real
 * restic repository in a local folder, made with restic directly (two hosts, two snapshots).
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Restic } from '../../../src/engine/restic.ts';
import type { SnapshotInfo } from '../../../src/engine/types.ts';
import { DEFAULT_HOST } from '../../../src/core/hostname.ts';
import { resticFor, startLockHolder, waitForLockOf } from '../../harness/restic.ts';
import { NS, repository, secret } from './fixtures.ts';
import { CliSandbox, hasStackTrace } from './run-cli.ts';

const PASSWORD = 'cli-test-password';

describe('stowage repository commands', () => {
  let sb: CliSandbox;
  let repoDir: string;
  let dataDir: string;
  let restic: Restic;
  let snapshots: SnapshotInfo[];
  const holders: ChildProcess[] = [];

  beforeAll(async () => {
    sb = await CliSandbox.create();
    repoDir = join(sb.dir, 'repo');
    dataDir = join(sb.dir, 'data');
    await mkdir(join(dataDir, 'sub'), { recursive: true });
    await writeFile(join(dataDir, 'a.txt'), 'first file\n');
    await writeFile(join(dataDir, 'sub', 'b.txt'), 'second file\n');
    restic = await resticFor({ repository: repoDir, env: { RESTIC_PASSWORD: PASSWORD }, globalArgs: [] });
    await restic.init();
    await restic.backupPaths({ paths: [dataDir], host: DEFAULT_HOST });
    await writeFile(join(dataDir, 'a.txt'), 'first file, changed\n');
    await restic.backupPaths({ paths: [dataDir], host: 'host-1' });
    snapshots = await restic.snapshots();
    const file = await sb.manifest('repo.yaml', [
      secret('repo-secret', PASSWORD),
      repository(repoDir),
      secret('wrong-secret', 'not-the-password'),
      repository(repoDir, 'wrong-password-repo', 'wrong-secret'),
      repository(join(sb.dir, 'empty'), 'missing-repo'),
      repository(repoDir, 'no-secret-repo', 'absent-secret'),
    ]);
    const r = await sb.run(['apply', '-f', file]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterEach(async () => {
    for (const c of holders.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await once(c, 'exit');
      }
    }
  });
  afterAll(() => sb.cleanup());

  describe('snapshots', () => {
    it('lists them as a table named <repository>-<short id>', async () => {
      const r = await sb.run(['snapshots', 'local-repo', '-n', NS]);
      expect(r.code, r.stderr).toBe(0);
      const [header, ...rows] = r.stdout.trim().split('\n');
      expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'ID', 'HOSTNAME', 'CREATED', 'SIZE', 'PATHS']);
      expect(rows).toHaveLength(2);
      const s0 = snapshots[0]!;
      expect(rows[0]).toMatch(
        new RegExp(
          `^local-repo-${s0.shortId}\\s+${s0.shortId}\\s+${DEFAULT_HOST}\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+23 B\\s+${dataDir}$`,
        ),
      );
      expect(rows[1]).toContain('host-1');
    });

    it('--host filters; -o json/yaml print Stash Snapshot objects', async () => {
      const j = await sb.run(['snapshots', 'local-repo', '-n', NS, '--host', 'host-1', '-o', 'json']);
      expect(j.code, j.stderr).toBe(0);
      const list = JSON.parse(j.stdout) as { kind: string; items: Array<Record<string, unknown>> };
      expect(list.kind).toBe('List');
      expect(list.items).toHaveLength(1);
      const s1 = snapshots[1]!;
      expect(list.items[0]).toMatchObject({
        apiVersion: 'repositories.stash.appscode.com/v1alpha1',
        kind: 'Snapshot',
        metadata: {
          name: `local-repo-${s1.shortId}`,
          namespace: NS,
          uid: s1.id,
          labels: { repository: 'local-repo', hostname: 'host-1' },
        },
        status: { repository: 'local-repo', hostname: 'host-1', paths: [dataDir] },
      });
      const y = await sb.run(['snapshots', 'local-repo', '-n', NS, '-o', 'yaml']);
      expect((parse(y.stdout) as { items: unknown[] }).items).toHaveLength(2);
      const none = await sb.run(['snapshots', 'local-repo', '-n', NS, '--host', 'nobody']);
      expect(none.code).toBe(0);
      expect(none.stderr).toContain('No snapshots found in Repository "local-repo" for host "nobody"');
    });

    it('names the missing Repository, Secret or restic repository, and a wrong password', async () => {
      const cases: Array<[string, number, string]> = [
        ['nope', 3, 'Repository "nope" in namespace "demo" not found'],
        [
          'no-secret-repo',
          3,
          'Secret "absent-secret" in namespace "demo" (spec.backend.storageSecretName of Repository "no-secret-repo") not found',
        ],
        ['missing-repo', 3, 'repository'],
        ['wrong-password-repo', 1, 'password'],
      ];
      for (const [name, code, message] of cases) {
        const r = await sb.run(['snapshots', name, '-n', NS]);
        expect({ name, code: r.code }).toEqual({ name, code });
        expect(r.stderr.toLowerCase()).toContain(message.toLowerCase());
        expect(hasStackTrace(r.stderr)).toBe(false);
      }
    });
  });

  describe('check', () => {
    it('exits 0 and says so on a sound repository', async () => {
      const r = await sb.run(['check', 'local-repo', '-n', NS]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('repository/local-repo: no errors were found (structure)');
      const subset = await sb.run(['check', 'local-repo', '-n', NS, '--read-data-subset', '1/2']);
      expect(subset.code, subset.stderr).toBe(0);
      expect(subset.stdout).toContain('(structure and data subset 1/2)');
    });

    it('rejects a malformed subset with exit 2', async () => {
      for (const bad of ['3/2', '0%', 'lots', '1/0']) {
        const r = await sb.run(['check', 'local-repo', '-n', NS, '--read-data-subset', bad]);
        expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
        expect(r.stderr).toContain(`--read-data-subset "${bad}" is invalid`);
      }
      const both = await sb.run([
        'check',
        'local-repo',
        '-n',
        NS,
        '--read-data',
        '--read-data-subset',
        '1/2',
      ]);
      expect(both.code).toBe(2);
    });

    it('exits 1 with restic’s findings on a damaged copy', async () => {
      // Damage a copy, not the shared repository.
      const copy = join(sb.dir, 'damaged');
      await copyDir(repoDir, copy);
      const packs = await listFiles(join(copy, 'data'));
      await chmod(packs[0]!, 0o600);
      await writeFile(packs[0]!, 'not a pack');
      await sb.run(['apply', '-f', await sb.manifest('damaged.yaml', [repository(copy, 'damaged-repo')])]);
      const r = await sb.run(['check', 'damaged-repo', '-n', NS, '--read-data']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('repository/damaged-repo: errors found (structure and all data)');
      expect(r.stderr).toMatch(/restic check found \d+ error\(s\)/);
    });
  });

  describe('unlock', () => {
    it('says when there is nothing to unlock', async () => {
      const r = await sb.run(['unlock', 'local-repo', '-n', NS]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('repository/local-repo: no locks');
    });

    it('keeps the lock of a live restic (exit 4) and removes it once the holder is gone', async () => {
      const holder = await startLockHolder(repoDir, PASSWORD);
      holders.push(holder);
      const lock = await waitForLockOf(restic, holder.pid!);
      const kept = await sb.run(['unlock', 'local-repo', '-n', NS]);
      expect(kept.code).toBe(4);
      expect(kept.stdout).toContain(`kept ${lock.id.slice(0, 8)} shared lock of pid ${holder.pid}`);
      expect(kept.stderr).toContain('is still locked by 1 lock(s)');
      holder.kill('SIGKILL');
      await once(holder, 'exit');
      const removed = await sb.run(['unlock', 'local-repo', '-n', NS]);
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toContain(`removed ${lock.id.slice(0, 8)} shared lock of pid ${holder.pid}`);
      expect(await restic.listLocks()).toEqual([]);
    });

    it('--remove-all removes live locks too, with a loud warning', async () => {
      const holder = await startLockHolder(repoDir, PASSWORD);
      holders.push(holder);
      const lock = await waitForLockOf(restic, holder.pid!);
      const r = await sb.run(['unlock', 'local-repo', '-n', NS, '--remove-all']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('WARNING: --remove-all removes EVERY lock');
      expect(r.stderr).toContain(`WARNING: removing ${lock.id.slice(0, 8)}`);
      expect(r.stdout).toContain(`removed ${lock.id.slice(0, 8)}`);
      expect((await restic.listLocks()).map((l) => l.id)).not.toContain(lock.id);
    });
  });

  describe('download', () => {
    /** `stowage download` of local-repo, then `more` arguments. */
    const download = (...more: string[]) => ['download', 'local-repo', '-n', NS, ...more];

    it('restores each snapshot into <destination>/<snapshot>', async () => {
      const [s0, s1] = [snapshots[0]!, snapshots[1]!];
      const dest = join(sb.dir, 'downloads');
      const r = await sb.run(
        download('--snapshots', `${s0.shortId},local-repo-${s1.shortId}`, '--destination', dest),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`snapshot ${s0.shortId} downloaded to ${join(dest, s0.shortId)}`);
      expect(await readFile(join(dest, s0.shortId, dataDir, 'a.txt'), 'utf8')).toBe('first file\n');
      expect(await readFile(join(dest, `local-repo-${s1.shortId}`, dataDir, 'a.txt'), 'utf8')).toBe(
        'first file, changed\n',
      );
      expect(await readFile(join(dest, s0.shortId, dataDir, 'sub', 'b.txt'), 'utf8')).toBe('second file\n');
    });

    it('latest (optionally of one host) into the current folder by default', async () => {
      const r = await sb.run(download('--snapshots', 'latest', '--host', DEFAULT_HOST));
      expect(r.code, r.stderr).toBe(0);
      expect(await readFile(join(sb.dir, 'latest', dataDir, 'a.txt'), 'utf8')).toBe('first file\n');
    });

    it('an unknown snapshot exits 3 before anything is written; a path-like name exits 2', async () => {
      const dest = join(sb.dir, 'not-written');
      const r = await sb.run(download('--snapshots', 'deadbeef', '--destination', dest));
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('snapshot "deadbeef" not found in Repository "local-repo"');
      await expect(readdir(dest)).rejects.toThrow();
      const bad = await sb.run(download('--snapshots', '../x'));
      expect(bad.code).toBe(2);
      const missing = await sb.run(download());
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("required option '--snapshots <list>' not specified");
    });
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

async function copyDir(from: string, to: string): Promise<void> {
  const { cp } = await import('node:fs/promises');
  await cp(from, to, { recursive: true });
}
