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
