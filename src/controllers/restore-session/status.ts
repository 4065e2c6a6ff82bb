/** RestoreSession status writes (the in-job steps use these too): see ../session-status.ts. */
import type { ObjectOf, RestoreSessionStatus } from '../../api/index.ts';
import { updateSessionStatus } from '../session-status.ts';
import type { Store } from '../store.ts';

export function updateRestoreSessionStatus(
  store: Store,
  namespace: string,
  name: string,
  now: () => Date,
  mutate: (status: RestoreSessionStatus, session: ObjectOf<'RestoreSession'>) => RestoreSessionStatus,
): Promise<ObjectOf<'RestoreSession'>> {
  return updateSessionStatus(store, 'RestoreSession', namespace, name, now, mutate);
}
