import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResticError } from '../../../src/engine/errors.ts';
import { isPidAlive } from '../../../src/engine/pid-alive.ts';
import type { ResticProgress } from '../../../src/engine/types.ts';
import { tempDir, tempLocalRepo, type TempRepo } from '../../harness/restic.ts';
import { waitFor } from '../../harness/wait.ts';

describe('backupFromCommand', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await tempLocalRepo();
    expect(await repo.restic.ensureRepository()).toBe('initialized');
    expect(await repo.restic.ensureRepository()).toBe('existed');
  });
  afterAll(() => repo.cleanup());

  it('stores the stdout of the command, with env from the plan, restorable byte for byte', async () => {
    const progress: ResticProgress[] = [];
    const summary = await repo.restic.backupFromCommand({
      plan: {
        command: ['sh', '-c', 'echo "$GREETING"; head -c 300000 /dev/zero | tr "\\0" x'],
        env: { GREETING: 'hello from env' },
      },
      filename: 'dump.sql',
      host: 'db-0',
      tags: ['session-1'],
      onProgress: (p) => progress.push(p),
    });
    expect(summary.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.filesNew).toBe(1);
    expect(summary.totalBytesProcessed).toBe('hello from env\n'.length + 300000);

    const snaps = await repo.restic.snapshots({ host: 'db-0' });
    expect(snaps.map((s) => s.id)).toEqual([summary.snapshotId]);
    expect(snaps[0]).toMatchObject({ hostname: 'db-0', tags: ['session-1'], paths: ['/dump.sql'] });

    const out = await tempDir();
    try {
      await repo.restic.dumpToCommand({
        snapshot: summary.snapshotId,
        filename: 'dump.sql',
        plan: { command: ['sh', '-c', `cat > ${join(out.dir, 'restored.sql')}`] },
      });
      const restored = await readFile(join(out.dir, 'restored.sql'), 'utf8');
      expect(restored.startsWith('hello from env\nxxx')).toBe(true);
      expect(restored.length).toBe('hello from env\n'.length + 300000);
    } finally {
      await out.cleanup();
    }
    for (const p of progress) expect(p.percentDone).toBeGreaterThanOrEqual(0);
  });

  it('reports progress about once a second while the dump runs', async () => {
    const progress: ResticProgress[] = [];
    await repo.restic.backupFromCommand({
      plan: { command: ['sh', '-c', 'head -c 100000 /dev/urandom; sleep 3; head -c 100000 /dev/urandom'] },
      filename: 'slow.bin',
      host: 'db-progress',
      onProgress: (p) => progress.push(p),
    });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // For stdin restic counts bytes only when the file is complete; mid-stream lines carry time and files.
    expect(progress.every((p) => p.totalFiles === 1)).toBe(true);
    expect(progress.at(-1)!.secondsElapsed).toBeGreaterThanOrEqual(2);
  });

  it('a failing dump command fails the backup and leaves no snapshot', async () => {
    const before = await repo.restic.snapshots({ host: 'db-fail' });
    expect(before).toEqual([]);
    const err = await repo.restic
      .backupFromCommand({
        plan: { command: ['sh', '-c', 'echo partial-dump; exit 3'] },
        filename: 'dump.sql',
        host: 'db-fail',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ResticError);
    expect((err as ResticError).code).toBe('RESTIC_FAILED');
    expect((err as ResticError).message).toMatch(/command failed: exit status 3/);
    expect(await repo.restic.snapshots({ host: 'db-fail' })).toEqual([]);
  });

  it('a command that is not installed fails the backup', async () => {
    await expect(
      repo.restic.backupFromCommand({
        plan: { command: ['stowage-no-such-program'] },
        filename: 'x',
        host: 'db-missing',
      }),
    ).rejects.toMatchObject({ code: 'RESTIC_FAILED' });
    expect(await repo.restic.snapshots({ host: 'db-missing' })).toEqual([]);
  });

  it('an abort stops restic and the dump command (process group) and is RESTIC_INTERRUPTED', async () => {
    const marker = await tempDir();
    try {
      const pidFile = join(marker.dir, 'pid');
      const finishedFile = join(marker.dir, 'finished');
      const controller = new AbortController();
      const running = repo.restic.backupFromCommand({
        // The dump would write `finished` after its sleep: only a killed dump never does.
        plan: { command: ['sh', '-c', `echo $$ > ${pidFile}; sleep 600; echo done > ${finishedFile}`] },
        filename: 'slow.sql',
        host: 'db-abort',
        signal: controller.signal,
      });
      const pid = await waitFor('the dump command to start', async () => {
        const text = await readFile(pidFile, 'utf8').catch(() => '');
        return Number.parseInt(text, 10) || undefined;
      });
      controller.abort();
      await expect(running).rejects.toMatchObject({ code: 'RESTIC_INTERRUPTED' });
      // The dump process is gone too (it belonged to restic's process group), killed mid-dump.
      await waitFor('the dump command to exit', () => (isPidAlive(pid) ? undefined : true));
      await expect(access(finishedFile)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await repo.restic.snapshots({ host: 'db-abort' })).toEqual([]);
    } finally {
      await marker.cleanup();
    }
  });
});
