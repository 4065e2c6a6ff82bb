/**
 * Parsing of restic's `--json` output. restic prints one JSON object per line for streaming verbs
 * (backup, restore: status/summary/error) and one JSON document for listing verbs (snapshots,
 * forget, stats). Shapes are checked with zod so a restic upgrade that changes them fails loudly
 * here instead of producing zeros further up.
 */
import { z } from 'zod';
import type { BackupSummary, ForgetResult, LockInfo, ResticProgress, SnapshotInfo } from './types.ts';

const num = z.number();

// backup reports files_done/bytes_done, restore files_restored/bytes_restored; zero fields are omitted.
const status = z.looseObject({
  message_type: z.literal('status'),
  seconds_elapsed: num.optional(),
  percent_done: num,
  total_files: num.optional(),
  files_done: num.optional(),
  files_restored: num.optional(),
  total_bytes: num.optional(),
  bytes_done: num.optional(),
  bytes_restored: num.optional(),
});

const backupSummary = z.looseObject({
  message_type: z.literal('summary'),
  files_new: num,
  files_changed: num,
  files_unmodified: num,
  total_files_processed: num,
  data_added: num,
  data_added_packed: num.optional(),
  total_bytes_processed: num,
  total_duration: num,
  snapshot_id: z.string().optional(),
});

const exitError = z.looseObject({ message_type: z.literal('exit_error'), code: num, message: z.string() });
const itemError = z.looseObject({
  message_type: z.literal('error'),
  error: z.looseObject({ message: z.string() }),
  item: z.string().optional(),
});

export type ResticMessage =
  | { kind: 'progress'; progress: ResticProgress }
  | { kind: 'backup-summary'; summary: BackupSummary | undefined; raw: Record<string, unknown> }
  | { kind: 'error'; message: string; item?: string | undefined }
  | { kind: 'exit-error'; code: number; message: string }
  | { kind: 'other'; raw: unknown };

/** One line of restic's JSON stream; undefined for lines that are not JSON (restic mixes a few in). */
export function parseMessageLine(line: string): ResticMessage | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const st = status.safeParse(raw);
  if (st.success) {
    const s = st.data;
    return {
      kind: 'progress',
      progress: {
        percentDone: s.percent_done,
        bytesDone: s.bytes_done ?? s.bytes_restored ?? 0,
        totalBytes: s.total_bytes,
        filesDone: s.files_done ?? s.files_restored,
        totalFiles: s.total_files,
        secondsElapsed: s.seconds_elapsed ?? 0,
      },
    };
  }
  const summary = backupSummary.safeParse(raw);
  if (summary.success) {
    const s = summary.data;
    return {
      kind: 'backup-summary',
      raw: s,
      // A dry run has no snapshot id; callers that need one treat that as a failure.
      summary:
        s.snapshot_id === undefined
          ? undefined
          : {
              snapshotId: s.snapshot_id,
              filesNew: s.files_new,
              filesChanged: s.files_changed,
              filesUnmodified: s.files_unmodified,
              totalFilesProcessed: s.total_files_processed,
              dataAdded: s.data_added,
              dataAddedPacked: s.data_added_packed ?? s.data_added,
              totalBytesProcessed: s.total_bytes_processed,
              totalDurationSeconds: s.total_duration,
            },
    };
  }
  const exit = exitError.safeParse(raw);
  if (exit.success) return { kind: 'exit-error', code: exit.data.code, message: exit.data.message };
  const err = itemError.safeParse(raw);
  if (err.success) return { kind: 'error', message: err.data.error.message, item: err.data.item };
  return { kind: 'other', raw };
}

/** restic's one-line reason from stderr: the last JSON exit_error message, if it printed one. */
export function exitReason(stderr: string): string | undefined {
  let reason: string | undefined;
  for (const line of stderr.split('\n')) {
    const m = parseMessageLine(line);
    if (m?.kind === 'exit-error') reason = m.message.replace(/^Fatal: /, '').split('\n')[0];
  }
  return reason;
}

const snapshot = z.looseObject({
  id: z.string(),
  short_id: z.string().optional(),
  time: z.string(),
  hostname: z.string(),
  paths: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
  summary: z.looseObject({ total_bytes_processed: num.optional() }).optional(),
});
const snapshotList = z.array(snapshot).nullable();

function toSnapshotInfo(s: z.infer<typeof snapshot>): SnapshotInfo {
  return {
    id: s.id,
    shortId: s.short_id ?? s.id.slice(0, 8),
    time: s.time,
    hostname: s.hostname,
    paths: s.paths ?? [],
    tags: s.tags ?? [],
    ...(s.summary?.total_bytes_processed === undefined
      ? {}
      : { totalBytes: s.summary.total_bytes_processed }),
  };
}

/** `restic snapshots --json` prints one JSON array (null on some versions when empty). */
export function parseSnapshots(stdout: string): SnapshotInfo[] {
  const text = stdout.trim();
  if (text === '') return [];
  return (snapshotList.parse(JSON.parse(text)) ?? []).map(toSnapshotInfo);
}

const forgetGroups = z
  .array(z.looseObject({ keep: z.array(snapshot).nullish(), remove: z.array(snapshot).nullish() }))
  .nullable();

/** `restic forget --json`: one array of groups; kept/removed are summed over groups, as Stash does. */
export function parseForget(stdout: string): ForgetResult {
  // Prune output (with --prune) may follow the JSON document; take the first line that is an array.
  const line = stdout.split('\n').find((l) => l.trim().startsWith('['));
  if (line === undefined) return { kept: 0, removed: 0 };
  const groups = forgetGroups.parse(JSON.parse(line)) ?? [];
  const result: ForgetResult = { kept: 0, removed: 0 };
  for (const g of groups) {
    result.kept += g.keep?.length ?? 0;
    result.removed += g.remove?.length ?? 0;
  }
  return result;
}

const stats = z.looseObject({ total_size: num });

export function parseStats(stdout: string): { totalSize: number } {
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (line === undefined) throw new Error('restic stats printed no JSON');
  return { totalSize: stats.parse(JSON.parse(line)).total_size };
}

const checkSummary = z.looseObject({
  message_type: z.literal('summary'),
  num_errors: num,
  suggest_repair_index: z.boolean().optional(),
  suggest_prune: z.boolean().optional(),
});

/** `restic check --json` (0.18+): the summary line; `undefined` when restic printed none. */
export function parseCheckSummary(
  stdout: string,
): { numErrors: number; suggestRepairIndex: boolean; suggestPrune: boolean } | undefined {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.trim().startsWith('{')) continue;
    const r = checkSummary.safeParse(JSON.parse(line));
    if (r.success) {
      return {
        numErrors: r.data.num_errors,
        suggestRepairIndex: r.data.suggest_repair_index ?? false,
        suggestPrune: r.data.suggest_prune ?? false,
      };
    }
  }
  return undefined;
}

const lock = z.looseObject({
  time: z.string(),
  exclusive: z.boolean(),
  hostname: z.string(),
  pid: num,
});

/** `restic cat lock <id>` prints the lock file's JSON. */
export function parseLock(id: string, stdout: string): LockInfo {
  const l = lock.parse(JSON.parse(stdout));
  return { id, hostname: l.hostname, pid: l.pid, exclusive: l.exclusive, time: l.time };
}

/** `restic list locks` prints one 64-hex id per line. */
export function parseIdList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-f]{64}$/.test(l));
}

const version = z.looseObject({ message_type: z.literal('version'), version: z.string() });

export function parseVersion(stdout: string): string {
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (line !== undefined) {
    const r = version.safeParse(JSON.parse(line));
    if (r.success) return r.data.version;
  }
  // Before 0.17 `version` has no JSON mode: "restic 0.16.4 compiled with …".
  const m = /restic (\d+\.\d+\.\d+)/.exec(stdout);
  if (!m?.[1]) throw new Error(`cannot read the restic version from: ${stdout.slice(0, 200)}`);
  return m[1];
}
