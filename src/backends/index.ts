/** Backends: Repository `spec.backend` + storage Secret → restic connection. */
import type { Backend } from '../api/stash/v1alpha1/backend.ts';
import { materializeConnection, type MaterializedConnection } from './materialize.ts';
import { planConnection } from './plan.ts';

export { planConnection } from './plan.ts';
export { materializeConnection, type MaterializedConnection } from './materialize.ts';
export type { ConnectionPlan, SecretFile, BackendProvider, ProviderPlan } from './types.ts';
export { withUserinfo } from './rest/rest.ts';

/** Plans and materializes in one step; call `dispose()` when the restic work is done. */
export async function connectBackend(
  backend: Backend,
  secret: Readonly<Record<string, string>>,
  options: { parentDir?: string } = {},
): Promise<MaterializedConnection> {
  return materializeConnection(planConnection(backend, secret), options);
}
