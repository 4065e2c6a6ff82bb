/** Events the controllers record on the objects they work on (what `describe` shows). */
import { nameOf, namespaceOf } from '../api/well-known.ts';
import type { ControllerContext } from './context.ts';

interface Involved {
  kind: string;
  metadata: { name?: string | undefined; namespace?: string | undefined };
}

export function recordEvent(
  ctx: Pick<ControllerContext, 'store'>,
  obj: Involved,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  return ctx.store.recordEvent({
    involvedObject: { kind: obj.kind, namespace: namespaceOf(obj), name: nameOf(obj) },
    type,
    reason,
    message,
    source: `${obj.kind} Controller`,
  });
}
