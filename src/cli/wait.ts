/**
 * Waiting for a session to end: a live line on a terminal (phase, and the restic progress of the
 * running step when it reports any), structured log lines otherwise. Returns the final phase and
 * why it failed, read from the session's status.
 */
import type { Store } from '../controllers/store.ts';
import { isFinalPhase } from '../core/final-phases.ts';
import { StowageError } from '../errors.ts';
import type { CliContext } from './context.ts';
import { createProgressView } from './progress.ts';
import type { SessionKind, SessionProgressSource } from './session-progress.ts';

export interface WaitOptions {
  timeoutSeconds: number;
  progress?: SessionProgressSource;
  pollMs?: number;
  /** After this long without any status, hint that nothing is running the controllers. */
  idleHintSeconds?: number;
}

export interface SessionOutcome {
  phase: string;
  /** Failure messages from host stats and False conditions. */
  reasons: string[];
  /** When a failed BackupSession will be retried (a new session is created then). */
  nextRetry?: string;
}

interface Cond {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}
interface SessionStatus {
  phase?: string;
  nextRetry?: string;
  conditions?: Cond[];
  stats?: Array<{ hostname?: string; error?: string }>;
  targets?: Array<{ conditions?: Cond[]; stats?: Array<{ hostname?: string; error?: string }> }>;
}

/** What a person needs to see about a failed session, without reading the whole status. */
export function failureReasons(status: SessionStatus | undefined): string[] {
  if (!status) return [];
  const reasons: string[] = [];
  const hostStats = [...(status.stats ?? []), ...(status.targets ?? []).flatMap((t) => t.stats ?? [])];
  for (const s of hostStats) if (s.error) reasons.push(`host ${s.hostname ?? '?'}: ${s.error}`);
  const conds = [...(status.conditions ?? []), ...(status.targets ?? []).flatMap((t) => t.conditions ?? [])];
  for (const c of conds)
    if (c.status === 'False' && c.message) reasons.push(`${c.type ?? 'condition'}: ${c.message}`);
  return [...new Set(reasons)];
}

export async function waitForSession(
  ctx: CliContext,
  store: Store,
  kind: SessionKind,
  namespace: string,
  name: string,
  o: WaitOptions,
): Promise<SessionOutcome> {
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const idleHintAt = Date.now() + (o.idleHintSeconds ?? 30) * 1000;
  const label = `${kind.toLowerCase()}/${name}`;
  const view = createProgressView(ctx);
  let hinted = false;
  let phase = 'Pending';
  try {
    while (Date.now() < deadline) {
      const obj = await store.get(kind, namespace, name);
      if (!obj)
        throw new StowageError(
          'NOT_FOUND',
          `${kind} "${name}" in namespace "${namespace}" was deleted while waiting for it`,
        );
      const status = (obj as { status?: SessionStatus }).status;
      phase = status?.phase ?? 'Pending';
      if (isFinalPhase(kind, phase)) {
        view.stop();
        return {
          phase,
          reasons: phase === 'Succeeded' ? [] : failureReasons(status),
          ...(status?.nextRetry ? { nextRetry: status.nextRetry } : {}),
        };
      }
      if (!status?.phase && !hinted && Date.now() > idleHintAt) {
        hinted = true;
        view.stop();
        ctx.warn(
          `warning: nothing has picked up ${label} yet; is \`stowage serve\` running with the same state folder (${ctx.config.stateDir})?`,
        );
      }
      const progress = phase === 'Running' ? o.progress?.(kind, namespace, name) : undefined;
      view.show({ label, phase, ...(progress ? { progress } : {}) });
      await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    }
  } finally {
    view.stop();
  }
  throw new StowageError(
    'TIMEOUT',
    `${kind} "${name}" in namespace "${namespace}" did not finish within ${o.timeoutSeconds}s (last phase: ${phase}); it keeps running — follow it with: stowage describe ${kind.toLowerCase()} ${name} -n ${namespace}`,
  );
}

/** Prints the outcome; sets the exit code 1 unless the session Succeeded. */
export function reportOutcome(ctx: CliContext, label: string, outcome: SessionOutcome): boolean {
  ctx.out(`${label} ${outcome.phase}`);
  if (outcome.phase === 'Succeeded') return true;
  for (const r of outcome.reasons) ctx.warn(`  ${r}`);
  if (outcome.nextRetry) ctx.warn(`  a retry is scheduled at ${outcome.nextRetry} (as a new BackupSession)`);
  return false;
}
