/** What every command gets: the parsed config, a logger, where to print, and how to reach the state. */
import type { Logger } from 'pino';
import type { Store } from '../controllers/store.ts';
import type { StandaloneRuntime } from '../runtime/standalone/runtime.ts';
import { LocalStore } from '../runtime/standalone/local-store.ts';
import { openStateDb } from '../runtime/standalone/state-db.ts';
import { stateDbPath } from '../runtime/standalone/paths.ts';
import type { Config } from './config.ts';
import { lazyStore } from './lazy-store.ts';
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
  /** Namespace when `-n` is not given (the kubeconfig context's under the kubernetes runtime). */
  defaultNamespace: string;
  /** argv that starts this program again (for job runners). */
  selfCommand: string[];
}

/** The Store of the standalone state (the embedded default). In-job steps need this concrete one. */
function openLocalStore(ctx: CliContext): LocalStore {
  return new LocalStore(openStateDb(stateDbPath(ctx.config.stateDir)));
}

/**
 * The Store commands and in-job steps work on: the standalone state, or the Kubernetes API server
 * (in a Job's pod, from the operator's CronJobs, and for `kubectl stowage`). Commands see only the
 * Store interface, so the same command logic runs over both.
 */
export function openStore(ctx: CliContext): Store {
  if (ctx.config.runtime === 'standalone') return openLocalStore(ctx);
  return lazyStore(async () => {
    const { loadKubeConfig, makeKubeClients } = await import('../runtime/kubernetes/kube-client.ts');
    const { KubeStore } = await import('../runtime/kubernetes/kube-store.ts');
    return new KubeStore({ clients: makeKubeClients(loadKubeConfig(ctx.config.kubeconfig)) });
  });
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
  // In a cluster the progress file is inside the Job's pod; `--wait` follows the phase alone.
  if (ctx.config.runtime === 'kubernetes') return () => undefined;
  return standaloneProgressSource(ctx.config.stateDir);
}
