/** argv of `restic backup`: from a command's stdout (database dumps) or from paths (folders). */
import { repeated } from './common.ts';

export interface BackupCommonInput {
  host: string;
  tags?: readonly string[] | undefined;
  /** Progress wanted: without it restic runs with --quiet and prints only the summary. */
  progress?: boolean | undefined;
  /** A cache dir is in use: restic then also removes old cache dirs (`--cleanup-cache`). */
  cleanupCache?: boolean | undefined;
}

function common(input: BackupCommonInput): string[] {
  return [
    '--json',
    ...(input.progress ? [] : ['--quiet']),
    '--host',
    input.host,
    ...repeated('--tag', input.tags),
    ...(input.cleanupCache ? ['--cleanup-cache'] : []),
  ];
}

/**
 * `--stdin-from-command` (restic 0.17+) rather than `dump | restic backup --stdin`: restic runs the
 * program itself and fails without writing a snapshot when it exits non-zero, so a broken dump can
 * never be stored as a good one.
 */
export function backupFromCommandArgs(
  input: BackupCommonInput & { filename: string; command: readonly string[] },
): string[] {
  if (input.command.length === 0) throw new Error('backupFromCommandArgs: the command is empty');
  return [
    'backup',
    ...common(input),
    '--stdin-from-command',
    '--stdin-filename',
    input.filename,
    '--',
    ...input.command,
  ];
}

export function backupPathsArgs(
  input: BackupCommonInput & { paths: readonly string[]; exclude?: readonly string[] | undefined },
): string[] {
  if (input.paths.length === 0) throw new Error('backupPathsArgs: no paths to back up');
  return ['backup', ...common(input), ...repeated('--exclude', input.exclude), '--', ...input.paths];
}
