/**
 * The addon contract: every addon runs the same life cycle against its real database and a real
 * restic, through the StreamingAddon interface only, as the in-job steps run it
 * (src/steps/backup-step.ts, restore-step.ts):
 * - it waits until the database is ready;
 * - backup → drop → restore → compare: what the database holds after the restore equals what it
 *   held when it was dumped, streamed through restic (and through an interim folder, where the
 *   addon has that layout too);
 * - a dump that fails half-way leaves no snapshot in the repository;
 * - bad credentials are refused with a StowageError that names the cause and says what to check
 *   (not a stack trace), and neither the repository nor the database is written.
 * Each addon's test file supplies the database (AddonUnderTest) and keeps its own specific tests.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonTarget, FolderAddon, StreamingAddon } from '../../../src/addons/addon.ts';
import { ResticError } from '../../../src/engine/errors.ts';
import { runPlan } from '../../../src/engine/run-plan.ts';
import { StowageError } from '../../../src/errors.ts';
import { tempDir, tempLocalRepo, type TempRepo } from '../../harness/restic.ts';

export interface AddonUnderTest {
  /** A target with working credentials; `scratchDir` is a private folder for its files. */
  target(scratchDir: string): AddonTarget;
  /** The same target with a password the database refuses. */
  badCredentials(scratchDir: string): AddonTarget;
  /** A target whose dump starts (the database answers) and then fails, and how its failure reads. */
  failingDump(scratchDir: string): Promise<{ target: AddonTarget; failure: RegExp }>;
  /** How the database's refusal of the bad password reads in what the dump program printed. */
  refusal: RegExp;
  /** Writes the data set the round trip must bring back. */
  seed(): Promise<void>;
  /** What the database holds of that data set, as a value `toEqual` compares. */
  contents(): Promise<unknown>;
  /** Removes everything `seed` wrote, so that only a restore can bring it back. */
  drop(): Promise<void>;
  cleanup(): Promise<void>;
}

const HOST = 'contract-host';

/** Registers the contract for `addon`; `setup` runs before its first test. */
export function addonContract(
  name: string,
  addon: StreamingAddon,
  setup: () => Promise<AddonUnderTest>,
): void {
  describe(`addon contract: ${name}`, () => {
    let under: AddonUnderTest;
    let repo: TempRepo;
    let scratch: { dir: string; cleanup(): Promise<void> };
    let seeded: unknown;
    const snapshots = async () => (await repo.restic.snapshots()).length;
    /** The error restic fails with when it backs up the dump of `target`. */
    const failedBackup = async (target: AddonTarget): Promise<ResticError> => {
      const plan = await addon.planBackup(target);
      const failed = await rejection(
        repo.restic.backupFromCommand({ plan, filename: plan.filename, host: HOST }),
      );
      expect(failed).toBeInstanceOf(ResticError);
      return failed as ResticError;
    };

    beforeAll(async () => {
      under = await setup();
      repo = await tempLocalRepo();
      await repo.restic.init();
      scratch = await tempDir('stowage-addon-contract-');
      await under.seed();
      seeded = await under.contents();
    });
    afterAll(async () => {
      await under?.cleanup();
      await repo?.cleanup();
      await scratch?.cleanup();
    });

    it('waits until the database is ready', async () => {
      await addon.waitReady(under.target(scratch.dir), 120);
    });

    it('restores what it dumped, streamed through restic', async () => {
      const plan = await addon.planBackup(under.target(scratch.dir));
      await repo.restic.backupFromCommand({ plan, filename: plan.filename, host: HOST });
      expect(await snapshots()).toBe(1);

      await under.drop();
      expect(await under.contents()).not.toEqual(seeded);

      const restore = await addon.planRestore(under.target(scratch.dir));
      await repo.restic.dumpToCommand({ host: HOST, filename: restore.filename, plan: restore });
      expect(await under.contents()).toEqual(seeded);
    });

    if (addon.folder) {
      const folder: FolderAddon = addon.folder;
      it('restores what it dumped into an interim folder, which restic backs up', async () => {
        const dir = join(scratch.dir, 'interim');
        await mkdir(dir);
        await runPlan(await folder.planFolderBackup(under.target(scratch.dir), dir), { env: processEnv() });
        const { snapshotId } = await repo.restic.backupPaths({ paths: [dir], host: HOST });

        await under.drop();
        const restored = join(scratch.dir, 'restored');
        await repo.restic.restore({ snapshot: `${snapshotId}:${dir}`, target: restored });
        await runPlan(await folder.planFolderRestore(under.target(scratch.dir), restored), {
          env: processEnv(),
        });
        expect(await under.contents()).toEqual(seeded);
      });
    }

    it('leaves no snapshot when the dump fails half-way', async () => {
      const before = await snapshots();
      const failing = await under.failingDump(scratch.dir);
      expect((await failedBackup(failing.target)).stderrTail).toMatch(failing.failure);
      expect(await snapshots()).toBe(before);
    });

    it('refuses bad credentials with an error naming the cause, and writes nothing', async () => {
      const bad = under.badCredentials(scratch.dir);
      const waited = await rejection(addon.waitReady(bad, 30));
      expect(waited).toBeInstanceOf(StowageError);
      expect(waited).toMatchObject({ code: 'DATABASE_AUTH_FAILED', retryable: false });
      const message = (waited as StowageError).message;
      expect(message).toMatch(/Secret/);
      expect(message).not.toMatch(/\n\s+at /);

      const before = await snapshots();
      // restic's message names the failed command; the program's own words are in its stderr.
      const printed = (await failedBackup(bad)).stderrTail;
      expect(printed).toMatch(under.refusal);
      if (bad.credentials.password) expect(printed).not.toContain(bad.credentials.password);
      expect(await snapshots()).toBe(before);

      const restore = await addon.planRestore(bad);
      await expect(
        repo.restic.dumpToCommand({ host: HOST, filename: restore.filename, plan: restore }),
      ).rejects.toBeInstanceOf(StowageError);
      expect(await under.contents()).toEqual(seeded);
    });
  });
}

/** What `promise` rejects with; undefined when it resolves. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** What a step passes on to the programs it runs: PATH and HOME. */
function processEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
}
