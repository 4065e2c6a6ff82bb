/**
 * `pause` / `resume`: sets a BackupConfiguration's spec.paused (Stash suspends its CronJob; the
 * standalone scheduler stops firing). Sessions already running finish.
 */
import type { ObjectOf } from '../../api/index.ts';
import type { Store } from '../../controllers/store.ts';
import { StowageError } from '../../errors.ts';

export async function setPaused(
  store: Store,
  namespace: string,
  name: string,
  paused: boolean,
): Promise<{ changed: boolean; object: ObjectOf<'BackupConfiguration'> }> {
  // Read-modify-write with the resourceVersion; a concurrent writer makes us read again.
  for (let attempt = 0; ; attempt++) {
    const bc = await store.get('BackupConfiguration', namespace, name);
    if (!bc)
      throw new StowageError(
        'NOT_FOUND',
        `BackupConfiguration "${name}" not found in namespace "${namespace}"; list them with: stowage get bc -n ${namespace}`,
      );
    if ((bc.spec.paused ?? false) === paused) return { changed: false, object: bc };
    try {
      const object = await store.update<'BackupConfiguration'>({ ...bc, spec: { ...bc.spec, paused } });
      return { changed: true, object };
    } catch (e) {
      if (e instanceof StowageError && e.code === 'CONFLICT' && attempt < 5) continue;
      throw e;
    }
  }
}
