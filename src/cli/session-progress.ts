/**
 * How `trigger --wait` sees the restic progress of a backup running in another process: the step
 * writes `progress.json` into its scratch folder (at most once a second, atomically by rename),
 * and the waiting command polls it. In the standalone runtime the scratch folder `/stash-tmp` of a
 * Job is `<state dir>/work/<namespace>/<job>/stash-tmp`, so the path follows from the session name.
 * Progress is a convenience: every read or write problem is ignored.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { backupJobName, restoreJobName } from '../core/naming.ts';
import type { ResticProgress } from '../engine/types.ts';
import { jobScratchDir, workRoot } from '../runtime/standalone/paths.ts';

export const PROGRESS_FILE = 'progress.json';

const record = z.object({
  percentDone: z.number(),
  bytesDone: z.number(),
  totalBytes: z.number().optional(),
  filesDone: z.number().optional(),
  totalFiles: z.number().optional(),
  secondsElapsed: z.number(),
  updatedAt: z.string(),
});

/** A progress sink writing `file`, at most every `minIntervalMs` (and always the final update). */
export function progressFileWriter(
  file: string,
  o: { minIntervalMs?: number; now?: () => number } = {},
): (p: ResticProgress) => void {
  const now = o.now ?? Date.now;
  const interval = o.minIntervalMs ?? 900;
  let last = 0;
  let dirMade = false;
  return (p) => {
    const t = now();
    if (t - last < interval && p.percentDone < 1) return;
    last = t;
    try {
      if (!dirMade) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      dirMade = true;
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ ...p, updatedAt: new Date(t).toISOString() }), { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // Progress is best effort: a full disk must not fail the backup here.
    }
  };
}

export function readProgressFile(file: string): (ResticProgress & { updatedAt: string }) | undefined {
  try {
    const r = record.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!r.success) return undefined;
    const { totalBytes, filesDone, totalFiles, ...rest } = r.data;
    return {
      ...rest,
      ...(totalBytes === undefined ? {} : { totalBytes }),
      ...(filesDone === undefined ? {} : { filesDone }),
      ...(totalFiles === undefined ? {} : { totalFiles }),
    };
  } catch {
    return undefined;
  }
}

export type SessionKind = 'BackupSession' | 'RestoreSession';

/** Latest restic progress of a session's (first) Job, if its step reports any. */
export type SessionProgressSource = (
  kind: SessionKind,
  namespace: string,
  name: string,
) => ResticProgress | undefined;

export function standaloneProgressFile(
  stateDir: string,
  kind: SessionKind,
  namespace: string,
  name: string,
): string {
  const job = kind === 'BackupSession' ? backupJobName(name, 0) : restoreJobName(name, 0);
  return join(jobScratchDir(join(workRoot(stateDir), namespace, job)), PROGRESS_FILE);
}

export function standaloneProgressSource(stateDir: string): SessionProgressSource {
  return (kind, namespace, name) => readProgressFile(standaloneProgressFile(stateDir, kind, namespace, name));
}
