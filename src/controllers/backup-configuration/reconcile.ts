/**
 * BackupConfiguration: check that the Repository, its Secret and the target exist and that the
 * Repository may be used from this namespace, then keep the schedule (CronJob or in-process cron)
 * in place. Conditions and phase are Stash's (stash-spec §1.4, §3.1).
 */
import type { ObjectOf } from '../../api/index.ts';
import { backupInvokerPhase } from '../../core/backup-invoker-phase.ts';
import { BackupInvokerCondition as C, BackupInvokerReason as R } from '../../core/conditions.ts';
import { setCondition } from '../../core/conditions.ts';
import type { Condition } from '../../api/index.ts';
import { errorMessage } from '../../errors.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { checkUsagePolicy, needsNamespaceLabels } from '../repository/usage-policy.ts';
import { namespaceOf } from '../../api/well-known.ts';

const MISSING_REQUEUE_MS = 5_000;

export async function reconcileBackupConfiguration(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const bc = await ctx.store.get('BackupConfiguration', namespace, name);
  if (!bc) {
    await ctx.scheduler.remove(namespace, name);
    return done;
  }
  const now = ctx.now();
  let conditions: Condition[] = bc.status?.conditions ?? [];
  const set = (c: Condition) => {
    conditions = setCondition(conditions, { ...c, observedGeneration: bc.metadata.generation }, now);
  };
  let missing = false;

  if (bc.spec.driver === 'Restic') {
    const repoRef = bc.spec.repository!;
    const repoNs = repoRef.namespace ?? namespace;
    const repo = await ctx.store.get('Repository', repoNs, repoRef.name);
    if (!repo) {
      missing = true;
      set({
        type: C.RepositoryFound,
        status: 'False',
        reason: R.RepositoryNotAvailable,
        message: `Repository ${repoNs}/${repoRef.name} does not exist.`,
      });
    } else {
      set({
        type: C.RepositoryFound,
        status: 'True',
        reason: R.RepositoryAvailable,
        message: `Repository ${repoNs}/${repoRef.name} exist.`,
      });
      const secretName = repo.spec.backend.storageSecretName;
      const secret = secretName ? await ctx.store.get('Secret', repoNs, secretName) : undefined;
      if (!secret) {
        missing = true;
        set({
          type: C.BackendSecretFound,
          status: 'False',
          reason: R.BackendSecretNotAvailable,
          message: secretName
            ? `Backend Secret ${repoNs}/${secretName} does not exist.`
            : `Repository ${repoNs}/${repoRef.name} has no spec.backend.storageSecretName.`,
        });
      } else {
        set({
          type: C.BackendSecretFound,
          status: 'True',
          reason: R.BackendSecretAvailable,
          message: `Backend Secret ${repoNs}/${secretName} exist.`,
        });
      }
      const refusal = checkUsagePolicy(
        repo,
        namespace,
        needsNamespaceLabels(repo, namespace) ? await ctx.store.namespaceLabels(namespace) : undefined,
      );
      set(
        refusal
          ? {
              type: C.ValidationPassed,
              status: 'False',
              reason: R.ResourceValidationFailed,
              message: refusal,
            }
          : {
              type: C.ValidationPassed,
              status: 'True',
              reason: R.ResourceValidationPassed,
              message: 'Successfully validated.',
            },
      );
    }
  } else {
    set({
      type: C.ValidationPassed,
      status: 'True',
      reason: R.ResourceValidationPassed,
      message: 'Successfully validated.',
    });
  }

  const target = bc.spec.target?.ref;
  if (target?.name) {
    const targetNs = target.namespace ?? namespace;
    const found =
      target.kind === 'AppBinding' ? await ctx.store.get('AppBinding', targetNs, target.name) : undefined;
    if (target.kind !== 'AppBinding') {
      set({
        type: C.BackupTargetFound,
        status: 'False',
        reason: R.TargetNotAvailable,
        message: `target kind ${target.kind ?? '<empty>'} is not supported by the standalone runtime; use an AppBinding`,
      });
      missing = true;
    } else if (!found) {
      missing = true;
      set({
        type: C.BackupTargetFound,
        status: 'False',
        reason: R.TargetNotAvailable,
        message: `Backup target ${target.apiVersion ?? 'appcatalog.appscode.com/v1alpha1'} ${target.kind} ${targetNs}/${target.name} does not exist.`,
      });
    } else {
      set({
        type: C.BackupTargetFound,
        status: 'True',
        reason: R.TargetAvailable,
        message: `Backup target ${target.apiVersion ?? 'appcatalog.appscode.com/v1alpha1'} ${target.kind} ${targetNs}/${target.name} found.`,
      });
    }
  }

  const ready = !missing && conditions.every((c) => c.type !== C.ValidationPassed || c.status === 'True');
  if (ready && bc.spec.schedule) {
    try {
      const trigger = await ctx.scheduler.ensure(bc);
      set({
        type: C.CronJobCreated,
        status: 'True',
        reason: R.CronJobCreationSucceeded,
        message: `Successfully created backup triggering CronJob ${trigger}.`,
      });
    } catch (e) {
      set({
        type: C.CronJobCreated,
        status: 'False',
        reason: R.CronJobCreationFailed,
        message: errorMessage(e),
      });
    }
  } else if (!ready) {
    await ctx.scheduler.remove(namespace, name);
  }

  await writeStatus(ctx, bc, conditions);
  return missing ? requeueAfter(MISSING_REQUEUE_MS) : done;
}

async function writeStatus(
  ctx: ControllerContext,
  bc: ObjectOf<'BackupConfiguration'>,
  conditions: Condition[],
): Promise<void> {
  await ctx.store.updateStatus('BackupConfiguration', namespaceOf(bc), bc.metadata.name ?? '', () => ({
    observedGeneration: bc.metadata.generation,
    conditions,
    phase: backupInvokerPhase(conditions, bc.spec.driver),
  }));
}
