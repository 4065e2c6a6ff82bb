/**
 * What an e2e scenario needs of a Stowage runtime, so that a scenario that is the same on both is
 * written once: apply manifests, trigger a backup, wait for a phase, read objects and their events,
 * explain a failure, stop or crash the process that runs the controllers, and the user's command
 * line. Implemented by Stowage (`stowage serve` over the standalone state, ./stowage.ts) and
 * KubeStowage (the operator on a real API server, ./kube-stowage.ts); what only one runtime has
 * (job processes, pods, the cluster's clients) stays on that class.
 */
import { expect } from 'vitest';
import type { KindName, ObjectOf } from '../../src/api/index.ts';
import { LABEL_INVOKER_NAME } from '../../src/api/well-known.ts';
import type { Store, StowageEvent } from '../../src/controllers/store.ts';
import { isFinalPhase, type SessionKind } from '../../src/core/final-phases.ts';
import type { CommandResult } from './command.ts';
import { waitFor } from './wait.ts';

type Phased = { status?: { phase?: string } };

/** A BackupConfiguration, by the names the e2e manifests build everything else from. */
export interface BackupNames {
  namespace: string;
  bc: string;
}

export abstract class StowageRuntime {
  abstract readonly runtime: 'standalone' | 'kubernetes';
  /** This instance's work folder (local repositories of a test live below it). */
  abstract readonly root: string;
  /** The runtime's own Store, for reading what the controllers wrote. */
  abstract readonly store: Store;

  /** Creates or updates the objects, in order (namespaces as needed); must succeed. */
  abstract apply(objects: readonly object[]): Promise<void>;
  /** The user's command line: `stowage <args>` on the standalone state, `kubectl stowage <args>` on the cluster. */
  abstract cli(args: readonly string[]): Promise<CommandResult>;
  /** Starts the controllers (`stowage serve`, `stowage operator`) and waits until they are ready. */
  abstract start(): Promise<void>;
  /** SIGTERM: a graceful stop. */
  abstract stop(): Promise<void>;
  /** SIGKILL (a crash): what the controllers started keeps running. */
  abstract kill(): Promise<void>;
  abstract cleanup(): Promise<void>;
  /** What besides status and events explains an object: its jobs' logs, the controllers' log. */
  protected abstract explain(kind: KindName, namespace: string, name: string): Promise<string[]>;

  get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    return this.store.get(kind, namespace, name);
  }

  events(kind: KindName, namespace: string, name: string): Promise<StowageEvent[]> {
    return this.store.listEvents({ kind, namespace, name });
  }

  /** `trigger <bc>`: the name of the BackupSession it created. */
  async trigger(namespace: string, bc: string): Promise<string> {
    const r = await this.cli(['trigger', bc, '-n', namespace]);
    const m = /backupsession\/(\S+) created/.exec(r.stdout);
    if (r.code !== 0 || !m?.[1]) throw new Error(`trigger ${bc} failed (${r.code}): ${r.stdout}${r.stderr}`);
    return m[1];
  }

  /** The object's status, its events and explain(): for failure messages. */
  async diagnostics(kind: KindName, namespace: string, name: string): Promise<string> {
    try {
      const o = (await this.get(kind, namespace, name)) as { status?: unknown } | undefined;
      const events = await this.events(kind, namespace, name);
      return [
        `${kind} ${namespace}/${name}: ${JSON.stringify(o ? (o.status ?? null) : 'absent', null, 1)}`,
        `events: ${events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join(' | ')}`,
        ...(await this.explain(kind, namespace, name)),
      ].join('\n');
    } catch (e) {
      return `(no diagnostics: ${(e as Error).message})`;
    }
  }

  /** Waits until the object's status.phase is one of `phases`; returns the object. */
  waitForPhase<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    phases: readonly string[],
    timeoutMs = 120_000,
  ): Promise<ObjectOf<K>> {
    return waitFor(
      `${kind} ${namespace}/${name} to reach ${phases.join('|')}`,
      async () => {
        const o = await this.get(kind, namespace, name);
        const phase = (o as Phased | undefined)?.status?.phase;
        return phase && phases.includes(phase) ? o : undefined;
      },
      { timeoutMs, diagnostics: () => this.diagnostics(kind, namespace, name) },
    );
  }

  /** Waits until the session's phase is final (core/final-phases.ts); returns it. */
  waitForFinal<K extends SessionKind>(
    kind: K,
    namespace: string,
    name: string,
    timeoutMs = 180_000,
  ): Promise<ObjectOf<K>> {
    return waitFor(
      `${kind} ${namespace}/${name} to reach a final phase`,
      async () => {
        const o = await this.get(kind, namespace, name);
        return isFinalPhase(kind, (o as Phased | undefined)?.status?.phase) ? o : undefined;
      },
      { timeoutMs, diagnostics: () => this.diagnostics(kind, namespace, name) },
    );
  }

  /** Waits for the session's final phase and asserts it is `phase` (diagnostics on a mismatch). */
  async expectFinal<K extends SessionKind>(
    kind: K,
    namespace: string,
    name: string,
    phase = 'Succeeded',
    timeoutMs?: number,
  ): Promise<ObjectOf<K>> {
    const session = await this.waitForFinal(kind, namespace, name, timeoutMs);
    const actual = (session as Phased).status?.phase;
    const why = actual === phase ? '' : await this.diagnostics(kind, namespace, name);
    expect(actual, why).toBe(phase);
    return session;
  }

  /** Applies a backup's objects and waits until its BackupConfiguration is Ready. */
  async setUpBackup(n: BackupNames, objects: readonly object[]): Promise<ObjectOf<'BackupConfiguration'>> {
    await this.apply(objects);
    return this.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 60_000);
  }

  /** The BackupSessions of a BackupConfiguration, oldest first. */
  async backupSessions(namespace: string, bc: string): Promise<Array<ObjectOf<'BackupSession'>>> {
    const all = await this.store.list('BackupSession', { namespace, labels: { [LABEL_INVOKER_NAME]: bc } });
    return all.sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0),
    );
  }
}
