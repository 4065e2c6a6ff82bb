/** What every container we create (trigger and steps) finds in its environment. */
import type { V1EnvVar } from '@kubernetes/client-node';

/**
 * The env every step gets: its pod's identity (downward API), and STOWAGE_RUNTIME so the in-pod
 * `stowage` talks to the API server (with the pod's ServiceAccount) rather than a local state.
 */
export const POD_ENV: readonly V1EnvVar[] = [
  { name: 'STOWAGE_RUNTIME', value: 'kubernetes' },
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];
