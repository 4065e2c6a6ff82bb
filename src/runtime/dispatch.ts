/**
 * From a work-queue key (`Kind/namespace/name`) to the controller that owns that kind. Both
 * runtimes route through here, so they run exactly the same reconcile code and report terminal
 * errors the same way.
 */
import type { ControllerContext, ReconcileResult } from '../controllers/context.ts';
import { controllerFor } from '../controllers/index.ts';
import type { StowageError } from '../errors.ts';

function parseKey(key: string): { kind: string; namespace: string; name: string } {
  const [kind = '', namespace = '', name = ''] = key.split('/');
  return { kind, namespace, name };
}

export function reconcileKey(ctx: ControllerContext, key: string): Promise<ReconcileResult> {
  const { kind, namespace, name } = parseKey(key);
  return controllerFor(kind)?.reconcile(ctx, namespace, name) ?? Promise.resolve({});
}

export async function reportTerminal(
  ctx: ControllerContext,
  key: string,
  error: StowageError,
): Promise<void> {
  const { kind, namespace, name } = parseKey(key);
  await controllerFor(kind)?.reportFailure(ctx, namespace, name, error);
}
