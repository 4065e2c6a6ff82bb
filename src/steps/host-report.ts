/**
 * What update-status tells about each host once the session has its results: an event on the
 * session per host (Stash's reasons and messages), and the host gauges pushed to the Pushgateway.
 * A push that fails is logged, not raised: the results are already written.
 */
import type { Registry } from 'prom-client';
import type { HostRestoreStats, TargetRef } from '../api/index.ts';
import type { SessionKind } from '../core/final-phases.ts';
import { errorMessage } from '../errors.ts';
import {
  appBindingTarget,
  metricsJobName,
  pushMetrics,
  type InvokerInfo,
  type TargetInfo,
} from '../metrics/index.ts';
import type { StepContext } from './step-context.ts';

/** Stash's words for a host's result, per session kind. */
const WORDS = {
  BackupSession: { noun: 'Backup', verb: 'backup', done: 'backed up' },
  RestoreSession: { noun: 'Restore', verb: 'restore', done: 'restored' },
} as const;

export interface HostMetrics {
  invoker: InvokerInfo;
  ref: TargetRef;
  /** The host gauges for the target (its labels need the AppBinding's type). */
  registry: (target: TargetInfo) => Registry;
}

export async function reportHosts(
  ctx: StepContext,
  session: { kind: SessionKind; namespace: string; name: string },
  stats: readonly HostRestoreStats[],
  metrics: HostMetrics,
): Promise<void> {
  const words = WORDS[session.kind];
  for (const h of stats) {
    const ok = h.phase === 'Succeeded';
    await ctx.store.recordEvent({
      involvedObject: session,
      type: ok ? 'Normal' : 'Warning',
      reason: `Host ${words.noun} ${ok ? 'Succeeded' : 'Failed'}`,
      message: ok
        ? `Successfully ${words.done} host ${h.hostname}`
        : `Failed to ${words.verb} host ${h.hostname}. Reason: ${h.error ?? ''}`,
      source: 'Status Updater',
    });
  }
  await pushHostMetrics(ctx, session, metrics);
}

async function pushHostMetrics(
  ctx: StepContext,
  session: { namespace: string; name: string },
  metrics: HostMetrics,
): Promise<void> {
  if (!ctx.pushgatewayUrl) return;
  const log = ctx.logger.child({ session: `${session.namespace}/${session.name}` });
  try {
    const { ref } = metrics;
    const appBinding = ref.name
      ? await ctx.store.get('AppBinding', ref.namespace ?? session.namespace, ref.name)
      : undefined;
    await pushMetrics(metrics.registry(appBindingTarget(ref, appBinding)), {
      url: ctx.pushgatewayUrl,
      job: metricsJobName(metrics.invoker),
      logger: log,
    });
  } catch (e) {
    log.warn({ err: errorMessage(e) }, 'failed to push host metrics');
  }
}
