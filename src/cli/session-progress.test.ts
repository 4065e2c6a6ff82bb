import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  progressFileWriter,
  readProgressFile,
  standaloneProgressFile,
  standaloneProgressSource,
} from './session-progress.ts';

describe('session progress file', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'stowage-progress-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lives in the scratch folder of the session Job', () => {
    expect(standaloneProgressFile('/state', 'BackupSession', 'demo', 'pg-backup-abcde')).toBe(
      '/state/work/demo/stash-backup-pg-backup-abcde-0/stash-tmp/progress.json',
    );
    expect(standaloneProgressFile('/state', 'RestoreSession', 'demo', 'r1')).toBe(
      '/state/work/demo/stash-restore-r1-0/stash-tmp/progress.json',
    );
  });

  it('the writer throttles, always writes the final update, and leaves no temp files', () => {
    const dir = temp();
    const file = join(dir, 'scratch', 'progress.json');
    let t = 1_000_000;
    const write = progressFileWriter(file, { now: () => t, minIntervalMs: 1000 });
    write({ percentDone: 0.1, bytesDone: 10, secondsElapsed: 1 });
    t += 500;
    write({ percentDone: 0.2, bytesDone: 20, secondsElapsed: 1 });
    expect(readProgressFile(file)).toMatchObject({ percentDone: 0.1, bytesDone: 10 });
    t += 100;
    write({ percentDone: 1, bytesDone: 100, totalBytes: 100, secondsElapsed: 2 });
    expect(readProgressFile(file)).toEqual({
      percentDone: 1,
      bytesDone: 100,
      totalBytes: 100,
      secondsElapsed: 2,
      updatedAt: new Date(t).toISOString(),
    });
    expect(readdirSync(join(dir, 'scratch'))).toEqual(['progress.json']);
  });

  it('reading tolerates a missing or foreign file', () => {
    const state = temp();
    expect(standaloneProgressSource(state)('BackupSession', 'demo', 'x')).toBeUndefined();
    const file = join(state, 'bad.json');
    progressFileWriter(file)({ percentDone: 0, bytesDone: 1, secondsElapsed: 0 });
    expect(readProgressFile(file)).toBeDefined();
    expect(readProgressFile(join(state, 'nope.json'))).toBeUndefined();
  });
});
