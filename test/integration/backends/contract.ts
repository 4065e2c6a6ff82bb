/**
 * The backend contract: every backend runs the same restic life cycle against a real peer, from a
 * Repository `spec.backend` + Secret through planConnection/materializeConnection to restic.
 * Ends with `check --read-data`, which catches emulators that store corrupted objects.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/api/stash/v1alpha1/backend.ts';
import { connectBackend, type MaterializedConnection } from '../../../src/backends/index.ts';
import type { Restic } from '../../../src/engine/restic.ts';
import { resticFor, tempDir } from '../../harness/restic.ts';

export interface BackendUnderTest {
  backend: Backend;
  /** Decoded storage Secret values (must include RESTIC_PASSWORD). */
  secret: Record<string, string>;
  /** The RESTIC_REPOSITORY string the backend must produce (checks the Stash format end to end). */
  expectedRepository: string | RegExp;
  /** Test-only env the peer needs that no Secret would carry (e.g. an emulator host). */
  extraEnv?: Record<string, string>;
  /** Test-only restic flags an emulator needs (e.g. an explicit Azure access tier). */
  extraGlobalArgs?: string[];
  cleanup(): Promise<void>;
}

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(dir, full), await readFile(full));
  }
  return out;
}

export function backendContract(name: string, setup: () => Promise<BackendUnderTest>): void {
  describe(`backend contract: ${name}`, () => {
    let under: BackendUnderTest;
    let materialized: MaterializedConnection;
    let restic: Restic;
    let work: { dir: string; cleanup(): Promise<void> };
    let source: string;
    let folderSnapshot: string;
    let dumpSnapshot: string;
    const dumpContent = randomBytes(700_000).toString('base64');

    beforeAll(async () => {
      under = await setup();
      work = await tempDir('stowage-contract-');
      materialized = await connectBackend(under.backend, under.secret, { parentDir: work.dir });
      const connection = {
        ...materialized.connection,
        env: { ...materialized.connection.env, ...under.extraEnv },
        globalArgs: [...materialized.connection.globalArgs, ...(under.extraGlobalArgs ?? [])],
      };
      restic = await resticFor(connection);
      source = join(work.dir, 'source');
      await mkdir(join(source, 'nested', 'deeper'), { recursive: true });
      await writeFile(join(source, 'a.txt'), 'alpha\n');
      await writeFile(join(source, 'nested', 'random.bin'), randomBytes(2_500_000));
      await writeFile(join(source, 'nested', 'deeper', 'empty'), '');
    });
    afterAll(async () => {
      await materialized?.dispose();
      await work?.cleanup();
      await under?.cleanup();
    });

    it('builds the Stash repository string', () => {
      if (typeof under.expectedRepository === 'string') {
        expect(materialized.connection.repository).toBe(under.expectedRepository);
      } else {
        expect(materialized.connection.repository).toMatch(under.expectedRepository);
      }
    });

    it('initializes the repository once', async () => {
      expect(await restic.repositoryExists()).toBe(false);
      expect(await restic.ensureRepository()).toBe('initialized');
      expect(await restic.ensureRepository()).toBe('existed');
    });

    it('backs up a folder', async () => {
      const s = await restic.backupPaths({ paths: [source], host: 'folder-host', tags: ['contract'] });
      expect(s.snapshotId).toMatch(/^[0-9a-f]{64}$/);
      expect(s.totalFilesProcessed).toBe(3);
      expect(s.totalBytesProcessed).toBe(6 + 2_500_000);
      expect(s.dataAdded).toBeGreaterThan(2_500_000 * 0.9); // random data does not compress
      folderSnapshot = s.snapshotId;
    });

    it('backs up the output of a command', async () => {
      const payload = join(work.dir, 'payload.txt');
      await writeFile(payload, dumpContent);
      const s = await restic.backupFromCommand({
        plan: { command: ['sh', '-c', 'cat "$PAYLOAD"'], env: { PAYLOAD: payload } },
        filename: 'dump.txt',
        host: 'db-host',
      });
      expect(s.totalBytesProcessed).toBe(dumpContent.length);
      dumpSnapshot = s.snapshotId;
    });

    it('restores the folder byte for byte', async () => {
      const target = join(work.dir, 'restored');
      await restic.restore({ snapshot: folderSnapshot, target });
      // restic recreates the absolute source path under the target.
      const restored = await filesUnder(join(target, source));
      const original = await filesUnder(source);
      expect([...restored.keys()].sort()).toEqual([...original.keys()].sort());
      for (const [path, bytes] of original) expect(restored.get(path)?.equals(bytes), path).toBe(true);
    });

    it('restores the command backup into a command', async () => {
      const out = join(work.dir, 'dump-restored.txt');
      await restic.dumpToCommand({
        host: 'db-host',
        filename: 'dump.txt',
        plan: { command: ['sh', '-c', `cat > "${out}"`] },
      });
      expect(await readFile(out, 'utf8')).toBe(dumpContent);
    });

    it('lists snapshots, filtered by host and tag', async () => {
      const all = await restic.snapshots();
      expect(all.map((s) => s.id).sort()).toEqual([folderSnapshot, dumpSnapshot].sort());
      expect((await restic.snapshots({ host: 'db-host' })).map((s) => s.id)).toEqual([dumpSnapshot]);
      expect((await restic.snapshots({ tags: ['contract'] })).map((s) => s.id)).toEqual([folderSnapshot]);
    });

    it('forgets by policy and prunes', async () => {
      await writeFile(join(source, 'a.txt'), 'alpha changed\n');
      const newer = await restic.backupPaths({ paths: [source], host: 'folder-host' });
      const r = await restic.forget({ keepLast: 1, prune: true }, { host: 'folder-host' });
      expect(r).toEqual({ kept: 1, removed: 1 });
      expect((await restic.snapshots({ host: 'folder-host' })).map((s) => s.id)).toEqual([newer.snapshotId]);
      // The other host is untouched by a host-filtered policy.
      expect((await restic.snapshots({ host: 'db-host' })).map((s) => s.id)).toEqual([dumpSnapshot]);
    });

    it('passes check --read-data', async () => {
      expect(await restic.check({ readData: true })).toEqual({ ok: true, message: 'no errors were found' });
    });

    it('reports the stored size', async () => {
      const { totalSize } = await restic.stats();
      expect(totalSize).toBeGreaterThan(2_500_000 * 0.9);
    });
  });
}
