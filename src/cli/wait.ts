/** Waiting for a session to end, with a spinner line on a terminal and log lines otherwise. */
import type { Store } from '../controllers/store.ts';
import { StowageError } from '../errors.ts';
import type { CliContext } from './context.ts';

const FINAL = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown', 'Invalid']);

export async function waitForPhase(
  ctx: CliContext,
  store: Store,
  kind: 'BackupSession' | 'RestoreSession',
  namespace: string,
  name: string,
  timeoutSeconds: number,
): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    const obj = await store.get(kind, namespace, name);
    const phase = obj?.status?.phase ?? 'Pending';
    if (phase !== last) {
      if (process.stderr.isTTY) process.stderr.write(`\r${kind} ${name}: ${phase}          `);
      else ctx.logger.info({ kind, name, phase }, 'session phase');
      last = phase;
    }
    if (FINAL.has(phase)) {
      if (process.stderr.isTTY) process.stderr.write('\n');
      return phase;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new StowageError(
    'TIMEOUT',
    `${kind} ${namespace}/${name} did not finish within ${timeoutSeconds}s (last phase: ${last})`,
  );
}
