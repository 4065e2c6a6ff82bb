/**
 * Repository usagePolicy (stash-spec §1.3): which namespaces' invokers may use a Repository.
 * `Same` (the default) allows its own namespace only, `All` every namespace, and `Selector` the
 * namespaces whose labels match a Kubernetes label selector (matchLabels and matchExpressions).
 * The labels come from the Store (`namespaceLabels`); Kubernetes labels every namespace with
 * `kubernetes.io/metadata.name`, which the standalone store reports as well.
 */
import type { ObjectOf } from '../../api/index.ts';
import { namespaceOf } from '../../api/well-known.ts';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Whether the Repository's policy needs the invoker namespace's labels to decide. */
export function needsNamespaceLabels(repo: ObjectOf<'Repository'>, invokerNamespace: string): boolean {
  return (
    namespaceOf(repo) !== invokerNamespace && repo.spec.usagePolicy?.allowedNamespaces?.from === 'Selector'
  );
}

/** Returns the reason of a refusal, or undefined when allowed. */
export function checkUsagePolicy(
  repo: ObjectOf<'Repository'>,
  invokerNamespace: string,
  namespaceLabels: Record<string, string> = {},
): string | undefined {
  const repoNs = namespaceOf(repo);
  if (repoNs === invokerNamespace) return undefined;
  const from = repo.spec.usagePolicy?.allowedNamespaces?.from ?? 'Same';
  if (from === 'All') return undefined;
  if (from === 'Selector') {
    const selector = repo.spec.usagePolicy?.allowedNamespaces?.selector as LabelSelector | undefined;
    if (selector && matchesSelector(selector, namespaceLabels)) return undefined;
  }
  return `Namespace "${invokerNamespace}" is not allowed to refer Repository "${repoNs}/${repo.metadata.name}". Check the Repository usage policy.`;
}

/**
 * Kubernetes label-selector semantics: every matchLabels pair and every expression must hold; an
 * empty selector matches everything; an unknown operator matches nothing.
 */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
