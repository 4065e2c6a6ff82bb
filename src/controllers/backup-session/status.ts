/** BackupSession status writes (the in-job steps use these too): see ../session-status.ts. */
import type { BackupSessionStatus, ObjectOf } from '../../api/index.ts';
import { updateSessionStatus } from '../session-status.ts';
import type { Store } from '../store.ts';

export function updateBackupSessionStatus(
  store: Store,
  namespace: string,
  name: string,
  now: () => Date,
  mutate: (status: BackupSessionStatus, session: ObjectOf<'BackupSession'>) => BackupSessionStatus,
): Promise<ObjectOf<'BackupSession'>> {
  return updateSessionStatus(store, 'BackupSession', namespace, name, now, mutate);
}
