/**
 * BackupConfiguration: check that the Repository, its Secret and the target exist and that the
 * Repository may be used from this namespace, then keep the schedule (CronJob or in-process cron)
 * in place. Conditions and phase are Stash's (stash-spec §1.4, §3.1).
 */
import type { Condition, ObjectOf } from '../../api/index.ts';
import { nameOf, namespaceOf } from '../../api/well-known.ts';
import { backupInvokerPhase } from '../../core/backup-invoker-phase.ts';
import {
  attemptCondition,
  BackupInvokerCondition as C,
  BackupInvokerReason as R,
  setCondition,
} from '../../core/conditions.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { withoutReconcileFailure } from '../report-failure.ts';
import { checkRepositoryAccess } from '../repository-access.ts';

/** Something named does not exist yet: look again (Secrets are not watched, stash-spec §3.1). */
const MISSING_REQUEUE_MS = 5_000;

type Bc = ObjectOf<'BackupConfiguration'>;

interface Checks {
  conditions: Condition[];
  missing: boolean;
}

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
  const repository = await repositoryChecks(ctx, bc);
  const target = await targetCheck(ctx, bc);
  const checks = [...repository.conditions, ...(target ? [target.condition] : [])];
  const missing = repository.missing || (target?.missing ?? false);
  const valid = checks.every((c) => c.type !== C.ValidationPassed || c.status === 'True');
  const schedule = !missing && valid ? await keepSchedule(ctx, bc) : await dropSchedule(ctx, bc);
  await writeStatus(ctx, bc, [...checks, ...(schedule ? [schedule] : [])]);
  return missing ? requeueAfter(MISSING_REQUEUE_MS) : done;
}

/** The Repository's conditions; a VolumeSnapshotter configuration names none. */
async function repositoryChecks(ctx: ControllerContext, bc: Bc): Promise<Checks> {
  if (bc.spec.driver !== 'Restic' || !bc.spec.repository) {
    const passed = { type: C.ValidationPassed, status: 'True' as const, reason: R.ResourceValidationPassed };
    return { conditions: [{ ...passed, message: 'Successfully validated.' }], missing: false };
  }
  const access = await checkRepositoryAccess(ctx, namespaceOf(bc), bc.spec.repository);
  return { conditions: access.conditions, missing: access.missing };
}

async function targetCheck(
  ctx: ControllerContext,
  bc: Bc,
): Promise<{ condition: Condition; missing: boolean } | undefined> {
  const target = bc.spec.target?.ref;
  if (!target?.name) return undefined;
  const subject = `${target.apiVersion ?? 'appcatalog.appscode.com/v1alpha1'} ${target.kind} ${target.namespace ?? namespaceOf(bc)}/${target.name}`;
  const notFound = (message: string) => ({
    condition: { type: C.BackupTargetFound, status: 'False' as const, reason: R.TargetNotAvailable, message },
    missing: true,
  });
  if (target.kind !== 'AppBinding')
    return notFound(
      `target kind ${target.kind ?? '<empty>'} is not supported by the standalone runtime; use an AppBinding`,
    );
  if (!(await ctx.store.get('AppBinding', target.namespace ?? namespaceOf(bc), target.name)))
    return notFound(`Backup target ${subject} does not exist.`);
  const message = `Backup target ${subject} found.`;
  return {
    condition: { type: C.BackupTargetFound, status: 'True', reason: R.TargetAvailable, message },
    missing: false,
  };
}

/** The trigger (CronJob or in-process cron) is ensured; CronJobCreated says how it went. */
async function keepSchedule(ctx: ControllerContext, bc: Bc): Promise<Condition | undefined> {
  if (!bc.spec.schedule) return undefined;
  const reasons = { succeeded: R.CronJobCreationSucceeded, failed: R.CronJobCreationFailed };
  return attemptCondition(C.CronJobCreated, reasons, async () => {
    const trigger = await ctx.scheduler.ensure(bc);
    return `Successfully created backup triggering CronJob ${trigger}.`;
  });
}

/** A configuration that is not ready must not fire. */
async function dropSchedule(ctx: ControllerContext, bc: Bc): Promise<undefined> {
  await ctx.scheduler.remove(namespaceOf(bc), nameOf(bc));
  return undefined;
}

async function writeStatus(ctx: ControllerContext, bc: Bc, checks: Condition[]): Promise<void> {
  const now = ctx.now();
  const conditions = checks.reduce(
    (list, c) => setCondition(list, { ...c, observedGeneration: bc.metadata.generation }, now),
    withoutReconcileFailure(bc.status?.conditions),
  );
  await ctx.store.updateStatus('BackupConfiguration', namespaceOf(bc), nameOf(bc), () => ({
    observedGeneration: bc.metadata.generation,
    conditions,
    phase: backupInvokerPhase(conditions, bc.spec.driver),
  }));
}
