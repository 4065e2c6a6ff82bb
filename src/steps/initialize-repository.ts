/**
 * The pre-backup action InitializeBackendRepository (stash-spec §3.10): create the restic
 * repository unless it exists, and report it as BackendRepositoryInitialized. The backup cannot
 * go on without a repository, so a failure also fails the step.
 */
import { BackupSessionCondition as SC, BackupSessionReason as SR } from '../core/conditions.ts';
import type { Restic } from '../engine/restic.ts';
import { StowageError } from '../errors.ts';
import { failedBecause, recordSessionCondition, succeeded, type ActionReport } from './session-conditions.ts';
import type { StepContext } from './step-context.ts';

export async function initializeRepository(
  ctx: StepContext,
  session: { namespace: string; name: string },
  restic: Restic,
): Promise<void> {
  const report = await ensureRepository(restic);
  await recordSessionCondition(ctx, session, { type: SC.BackendRepositoryInitialized, ...report });
  if (report.status === 'False') {
    throw new StowageError('REPOSITORY_INIT_FAILED', report.message ?? 'repository init failed');
  }
}

async function ensureRepository(restic: Restic): Promise<ActionReport> {
  try {
    const found = await restic.ensureRepository();
    return succeeded(
      SR.BackendRepositoryFound,
      found === 'initialized'
        ? 'Repository has been initialized successfully.'
        : 'Repository exist in the backend.',
    );
  } catch (e) {
    return failedBecause(
      SR.FailedToInitializeBackendRepository,
      'Failed to initialize backend repository',
      e,
    );
  }
}
