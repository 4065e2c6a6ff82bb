import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResticError } from '../../../src/engine/errors.ts';
import { Restic } from '../../../src/engine/restic.ts';
import { resticBinary, resticFor, tempLocalRepo, testLogger, type TempRepo } from '../../harness/restic.ts';

describe('restic exit codes become typed errors', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await tempLocalRepo('right-password');
  });
  afterAll(() => repo.cleanup());

  it('missing repository → RESTIC_REPOSITORY_NOT_FOUND, and repositoryExists() is false', async () => {
    expect(await repo.restic.repositoryExists()).toBe(false);
    const err = await repo.restic.snapshots().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResticError);
    expect(err).toMatchObject({ code: 'RESTIC_REPOSITORY_NOT_FOUND', exitCode: 10, retryable: false });
    expect((err as Error).message).toMatch(/repository does not exist/);
  });

  it('wrong password → RESTIC_WRONG_PASSWORD (repositoryExists throws it too)', async () => {
    await repo.restic.init();
    expect(await repo.restic.repositoryExists()).toBe(true);
    const wrong = await resticFor({ ...repo.connection, env: { RESTIC_PASSWORD: 'wrong-password' } });
    const err = await wrong.snapshots().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResticError);
    expect(err).toMatchObject({ code: 'RESTIC_WRONG_PASSWORD', exitCode: 12 });
    await expect(wrong.repositoryExists()).rejects.toMatchObject({ code: 'RESTIC_WRONG_PASSWORD' });
  });

  it('init on an existing repository → RESTIC_FAILED with restic reason', async () => {
    const err = await repo.restic.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResticError);
    expect(err).toMatchObject({ code: 'RESTIC_FAILED' });
    expect((err as Error).message).toMatch(/already (exists|initialized)/);
  });

  it('a missing restic binary → RESTIC_FAILED saying what to do', async () => {
    const r = new Restic({ binary: '/nonexistent/restic', connection: repo.connection, logger: testLogger });
    const err = await r.version().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RESTIC_FAILED' });
    expect((err as Error).message).toMatch(/cannot run restic/);
  });

  it('the caller environment cannot redirect restic (RESTIC_* from env are dropped)', async () => {
    const r = new Restic({
      binary: await resticBinary(),
      connection: repo.connection,
      logger: testLogger,
      env: { PATH: process.env.PATH, RESTIC_PASSWORD: 'wrong', RESTIC_REPOSITORY: '/nonexistent' },
    });
    expect(await r.snapshots()).toEqual([]);
    expect(await r.version()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
