import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError, ResticError } from '../../../src/engine/errors.ts';
import { tempDir, tempLocalRepo, type TempRepo } from '../../harness/restic.ts';

describe('dumpToCommand', () => {
  let repo: TempRepo;
  let snapshotId: string;
  // ~190 KB, more than one pipe buffer, so the stream is really piped rather than written at once.
  const content = Array.from({ length: 20000 }, (_, i) => `row ${i}\n`).join('');
  beforeAll(async () => {
    repo = await tempLocalRepo();
    await repo.restic.init();
    const s = await repo.restic.backupFromCommand({
      plan: { command: ['sh', '-c', 'seq 0 19999 | sed "s/^/row /"'] },
      filename: 'db/data.txt',
      host: 'h',
    });
    snapshotId = s.snapshotId;
  });
  afterAll(() => repo.cleanup());

  it('feeds the file into the command (latest by host), with the plan env', async () => {
    const out = await tempDir();
    try {
      const file = join(out.dir, 'out.txt');
      await repo.restic.dumpToCommand({
        filename: 'db/data.txt',
        host: 'h',
        plan: { command: ['sh', '-c', 'cat > "$TARGET"'], env: { TARGET: file } },
      });
      expect(await readFile(file, 'utf8')).toBe(content);
    } finally {
      await out.cleanup();
    }
  });

  it('the reader failing fails the restore with its stderr', async () => {
    const err = await repo.restic
      .dumpToCommand({
        snapshot: snapshotId,
        filename: 'db/data.txt',
        plan: { command: ['sh', '-c', 'head -c 10 >/dev/null; echo "load failed" >&2; exit 7'] },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as CommandFailedError).message).toMatch(/exited with code 7[\s\S]*load failed/);
  });

  it('restic failing (no such file in the snapshot) fails the restore even if the reader succeeds', async () => {
    const err = await repo.restic
      .dumpToCommand({ snapshot: snapshotId, filename: 'nope.sql', plan: { command: ['cat'] } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResticError);
    expect((err as ResticError).code).toBe('RESTIC_FAILED');
  });

  it('an unknown reader program fails clearly', async () => {
    const err = await repo.restic
      .dumpToCommand({
        snapshot: snapshotId,
        filename: 'db/data.txt',
        plan: { command: ['stowage-no-such-reader'] },
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'COMMAND_FAILED' });
    expect((err as Error).message).toMatch(/stowage-no-such-reader[\s\S]*ENOENT/);
  });
});
