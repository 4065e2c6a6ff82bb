/**
 * Repository usagePolicy (stash-spec §1.3): which namespaces' invokers may use a Repository.
 * Returns the reason of a refusal, or undefined when allowed.
 */
import type { ObjectOf } from '../../api/index.ts';

export function checkUsagePolicy(
  repo: ObjectOf<'Repository'>,
  invokerNamespace: string,
  namespaceLabels: Record<string, string> = {},
): string | undefined {
  const repoNs = repo.metadata.namespace ?? 'default';
  if (repoNs === invokerNamespace) return undefined;
  const from = repo.spec.usagePolicy?.allowedNamespaces?.from ?? 'Same';
  if (from === 'All') return undefined;
  if (from === 'Selector') {
    const selector = repo.spec.usagePolicy?.allowedNamespaces?.selector as
      | { matchLabels?: Record<string, string> }
      | undefined;
    const want = selector?.matchLabels ?? {};
    if (Object.entries(want).every(([k, v]) => namespaceLabels[k] === v)) return undefined;
  }
  return `Namespace "${invokerNamespace}" is not allowed to refer Repository "${repoNs}/${repo.metadata.name}". Check the Repository usage policy.`;
}
