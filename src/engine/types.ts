/**
 * The contract of the restic engine, shared by the addons, the controllers and the CLI.
 * Implementation: ./restic.ts (class Restic). Everything restic needs to reach a repository
 * arrives as a ResticConnection, built by src/backends from a Repository and its Secret.
 */

/** How to reach one restic repository. Secrets live only in `env` and in 0600 files. */
export interface ResticConnection {
  /** RESTIC_REPOSITORY value, e.g. `s3:http://127.0.0.1:9000/bucket/prefix`. */
  repository: string;
  /** RESTIC_PASSWORD and backend credentials (AWS_*, AZURE_*, …), passed by env only. */
  env: Record<string, string>;
  /** Flags every call gets, e.g. `--cacert <file>`, `--insecure-tls`, `--option gs.connections=4`. */
  globalArgs: string[];
}

/** Progress of a running backup or restore, from restic's `--json` status lines. */
export interface ResticProgress {
  percentDone: number;
  bytesDone: number;
  totalBytes?: number;
  filesDone?: number;
  totalFiles?: number;
  secondsElapsed: number;
}

export interface BackupSummary {
  snapshotId: string;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  totalFilesProcessed: number;
  /** New data after dedup, before compression (restic's `data_added`). */
  dataAdded: number;
  /** New data as stored in the repository, after dedup and compression: what was uploaded. */
  dataAddedPacked: number;
  /** Bytes the snapshot holds (before dedup). */
  totalBytesProcessed: number;
  totalDurationSeconds: number;
}

/** A program whose stdout restic stores (`backup --stdin-from-command`) or that reads a dump on stdin. */
export interface CommandPlan {
  /** argv; argv[0] is looked up on PATH. Never contains secrets. */
  command: string[];
  /** Extra env for the program (e.g. PGPASSWORD). */
  env?: Record<string, string>;
}

/** `restic forget` options; built from a RetentionPolicy by core/retention.ts. */
export type { RetentionFlags } from '../core/retention.ts';

export interface ForgetResult {
  kept: number;
  removed: number;
}

export interface SnapshotInfo {
  id: string;
  shortId: string;
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
  /** Bytes of the snapshot's files, when restic reports it (0.17+). */
  totalBytes?: number;
}

export interface LockInfo {
  id: string;
  hostname: string;
  pid: number;
  exclusive: boolean;
  time: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: ResticProgress) => void;
}
