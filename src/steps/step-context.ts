/** What an in-job step gets from its entry point: the Store it reports to, restic, a clock, a logger. */
import type { Logger } from 'pino';
import type { Store } from '../controllers/store.ts';
import type { ResticProgress } from '../engine/types.ts';

export interface StepContext {
  store: Store;
  logger: Logger;
  now: () => Date;
  resticBinary: string;
  /** PATH/HOME for restic and the dump tools; no secrets. */
  processEnv: Record<string, string>;
  pushgatewayUrl: string | undefined;
  /** Progress sink: a bar on a terminal, throttled log lines otherwise. */
  onProgress?: (p: ResticProgress) => void;
}

/** What the backup and restore steps both need: the addon, its target, the repository, the folders. */
export interface StepTargetInput {
  addon: string;
  namespace: string;
  appBinding: { namespace: string; name: string };
  repository: { namespace: string; name: string };
  hostname: string;
  scratchDir: string;
  enableCache: boolean;
  waitTimeoutSeconds: number;
  outputDir: string;
  args: string[];
  params: Record<string, string>;
  /**
   * `--interim-data-dir` (Stash's INTERIM_DATA_DIR): on the interim volume when the invoker has an
   * interimVolumeTemplate, else inside the scratch folder (./interim-folder.ts tells them apart).
   */
  interimDataDir?: string | undefined;
}
