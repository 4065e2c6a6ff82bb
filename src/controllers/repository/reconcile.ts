/**
 * Repository: keep status.references in sync with the invokers that use it (stash-spec §3.12).
 * Backend status (integrity, size, snapshot count) is written by the backup job's update-status.
 */
import { done, type ControllerContext, type ReconcileResult } from '../context.ts';

export async function reconcileRepository(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const repo = await ctx.store.get('Repository', namespace, name);
  if (!repo) return done;
  const uses = (ref: { name: string; namespace?: string | undefined } | undefined, invokerNs: string) =>
    ref !== undefined && ref.name === name && (ref.namespace ?? invokerNs) === namespace;
  const references: Array<{ kind: string; namespace: string; name: string }> = [];
  for (const bc of await ctx.store.list('BackupConfiguration')) {
    const ns = bc.metadata.namespace ?? 'default';
    if (uses(bc.spec.repository, ns))
      references.push({ kind: 'BackupConfiguration', namespace: ns, name: bc.metadata.name ?? '' });
  }
  for (const rs of await ctx.store.list('RestoreSession')) {
    const ns = rs.metadata.namespace ?? 'default';
    if (uses(rs.spec.repository, ns))
      references.push({ kind: 'RestoreSession', namespace: ns, name: rs.metadata.name ?? '' });
  }
  await ctx.store.updateStatus('Repository', namespace, name, (cur) => {
    const status = cur.status ?? {};
    if (JSON.stringify(status.references ?? []) === JSON.stringify(references)) return undefined;
    return { ...status, references, observedGeneration: cur.metadata.generation };
  });
  return done;
}
