/**
 * Target identity (stash-spec §1.5): which target of a session status an invoker's target is. One
 * comparison for every caller — the controllers, the update-status step and the metrics.
 */
import { namespaceOf } from '../api/well-known.ts';
import type { TargetRef } from '../api/index.ts';

/** Exact match on apiVersion, kind, namespace and name (absent and "" are the same). */
export function targetRefEquals(a: TargetRef, b: TargetRef): boolean {
  return (
    (a.apiVersion ?? '') === (b.apiVersion ?? '') &&
    (a.kind ?? '') === (b.kind ?? '') &&
    (a.namespace ?? '') === (b.namespace ?? '') &&
    (a.name ?? '') === (b.name ?? '')
  );
}

interface Invoker {
  metadata: { namespace?: string | undefined };
  spec: { target?: { ref?: TargetRef | undefined } | undefined };
}

/** The invoker's target with Stash's defaults filled in: an AppBinding in the invoker's namespace. */
export function targetRefOf(invoker: Invoker): Required<TargetRef> {
  const ref = invoker.spec.target?.ref ?? {};
  return {
    apiVersion: ref.apiVersion ?? 'appcatalog.appscode.com/v1alpha1',
    kind: ref.kind ?? 'AppBinding',
    name: ref.name ?? '',
    namespace: ref.namespace || namespaceOf(invoker),
  };
}
