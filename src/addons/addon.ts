/**
 * What a database family (postgres, elasticsearch, …) provides: how to connect from an AppBinding,
 * how to dump into restic and how to load a dump back. Addons plan commands; the engine runs them,
 * so a failing dump fails the backup and leaves no snapshot (restic --stdin-from-command).
 */
import type { AppBinding } from '../api/index.ts';
import type { CommandPlan } from '../engine/types.ts';

/** Everything an addon may read to reach its database. Secret values are already transformed. */
export interface AddonTarget {
  appBinding: AppBinding;
  /** The AppBinding's Secret after `secretTransforms`; never logged. */
  credentials: Record<string, string>;
  /** Extra user arguments (Task param `args`, whitespace-split). */
  args: string[];
  /** Task params by name (e.g. `databases`, `backupCmd`). */
  params: Record<string, string>;
  /** A private scratch folder (0700) for files such as a password file. */
  scratchDir: string;
}

export interface StreamBackupPlan extends CommandPlan {
  /** File name inside the snapshot, e.g. `dumpfile.sql`. */
  filename: string;
}

export interface StreamRestorePlan extends CommandPlan {
  /** File name inside the snapshot to stream into the command's stdin. */
  filename: string;
}

/**
 * An addon that can also dump into a folder and load from one: the layout for an interim volume
 * (`interimVolumeTemplate`), where restic backs up the folder afterwards.
 */
export interface FolderAddon {
  /** A program that writes the dump into `dir` (it exists and is empty). */
  planFolderBackup(target: AddonTarget, dir: string): Promise<CommandPlan>;
  /** A program that loads the dump found in `dir`. */
  planFolderRestore(target: AddonTarget, dir: string): Promise<CommandPlan>;
}

export interface StreamingAddon {
  readonly name: string;
  /** Present when the addon supports the interim-folder layout too. */
  readonly folder?: FolderAddon;
  /** Waits until the database accepts connections, or throws after `timeoutSeconds`. */
  waitReady(target: AddonTarget, timeoutSeconds: number, signal?: AbortSignal): Promise<void>;
  planBackup(target: AddonTarget): Promise<StreamBackupPlan>;
  planRestore(target: AddonTarget): Promise<StreamRestorePlan>;
}
