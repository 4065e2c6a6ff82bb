/** What every command gets: the parsed config, a logger and where to print. */
import type { Logger } from 'pino';
import type { StandaloneRuntime } from '../runtime/standalone/runtime.ts';
import { LocalStore } from '../runtime/standalone/local-store.ts';
import { openStateDb } from '../runtime/standalone/state-db.ts';
import { stateDbPath } from '../runtime/standalone/runtime.ts';
import type { Config } from './config.ts';

export interface CliContext {
  config: Config;
  logger: Logger;
  out: (text: string) => void;
  isTTY: boolean;
  /** argv that starts this program again (for job runners). */
  selfCommand: string[];
}

/** The Store of the standalone state (the embedded default). */
export function openLocalStore(ctx: CliContext): LocalStore {
  return new LocalStore(openStateDb(stateDbPath(ctx.config.stateDir)));
}

export type { StandaloneRuntime };
