/** What every command gets: the parsed config, a logger, where to print, and how to reach the state. */
import type { Logger } from 'pino';
import type { Store } from '../controllers/store.ts';
import type { StandaloneRuntime } from '../runtime/standalone/runtime.ts';
import { LocalStore } from '../runtime/standalone/local-store.ts';
import { openStateDb } from '../runtime/standalone/state-db.ts';
import { stateDbPath } from '../runtime/standalone/paths.ts';
import type { Config } from './config.ts';
import type { RepositoryAccess } from './operations/open-repository.ts';
import { standaloneProgressSource, type SessionProgressSource } from './session-progress.ts';

export interface CliContext {
  config: Config;
  logger: Logger;
  /** Results (tables, YAML, `x created`) go to stdout; messages and progress go to stderr. */
  out: (text: string) => void;
  /** Warnings and hints for a person (stderr). */
  warn: (text: string) => void;
  isTTY: boolean;
  /** True when stderr is a terminal: progress bars and spinners instead of log lines. */
  stderrIsTTY: boolean;
  /** argv that starts this program again (for job runners). */
  selfCommand: string[];
}

/** The Store of the standalone state (the embedded default). In-job steps need this concrete one. */
export function openLocalStore(ctx: CliContext): LocalStore {
  return new LocalStore(openStateDb(stateDbPath(ctx.config.stateDir)));
}

/**
 * The Store user commands work on. Commands see only the Store interface, so the kubectl plugin
 * can run the same command logic over a Kubernetes Store.
 */
export function openStore(ctx: CliContext): Store {
  return openLocalStore(ctx);
}

/** What the repository commands (snapshots, check, unlock, download) need to run restic here. */
export function repositoryAccess(ctx: CliContext, store: Store): RepositoryAccess {
  return {
    store,
    resticBinary: ctx.config.resticBinary,
    env: { PATH: ctx.config.childEnv.PATH ?? '', HOME: ctx.config.childEnv.HOME ?? '' },
    logger: ctx.logger,
  };
}

export type { StandaloneRuntime };

/** Where `--wait` reads the restic progress of a running step (the Job's work folder here). */
export function sessionProgress(ctx: CliContext): SessionProgressSource {
  return standaloneProgressSource(ctx.config.stateDir);
}
