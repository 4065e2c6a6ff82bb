/**
 * From a work-queue key (`Kind/namespace/name`) to the controller that owns that kind. Both
 * runtimes route through here, so they run exactly the same reconcile code.
 */
import type { ControllerContext, ReconcileResult } from '../controllers/context.ts';
import { reconcileBackupConfiguration } from '../controllers/backup-configuration/reconcile.ts';
import { reconcileBackupSession } from '../controllers/backup-session/reconcile.ts';
import { reconcileRepository } from '../controllers/repository/reconcile.ts';
import { reconcileRestoreSession } from '../controllers/restore-session/reconcile.ts';

export function reconcileKey(ctx: ControllerContext, key: string): Promise<ReconcileResult> {
  const [kind, ns = '', name = ''] = key.split('/');
  switch (kind) {
    case 'BackupConfiguration':
      return reconcileBackupConfiguration(ctx, ns, name);
    case 'BackupSession':
      return reconcileBackupSession(ctx, ns, name);
    case 'RestoreSession':
      return reconcileRestoreSession(ctx, ns, name);
    case 'Repository':
      return reconcileRepository(ctx, ns, name);
    case undefined:
    default:
      return Promise.resolve({});
  }
}
