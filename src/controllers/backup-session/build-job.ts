/**
 * Turns a BackupSession into the Job that runs it: the Task named by the invoker (or by the
 * AppBinding's Stash addon parameters) resolved with Stash's variables into ordered steps.
 */
import type { ObjectOf } from '../../api/index.ts';
import { backupJobName } from '../../core/naming.ts';
import { StowageError } from '../../errors.ts';
import type { ControllerContext } from '../context.ts';
import { requireObject } from '../required-objects.ts';
import { resolveJobSteps } from '../resolve-steps.ts';
import { invokerJobSettings, repositoryRef, type JobSpec } from '../store.ts';
import { namespaceOf } from '../../api/well-known.ts';

export async function buildBackupJob(
  ctx: ControllerContext,
  session: ObjectOf<'BackupSession'>,
  bc: ObjectOf<'BackupConfiguration'>,
): Promise<JobSpec> {
  const ns = namespaceOf(bc);
  const repoRef = bc.spec.repository;
  if (!repoRef)
    throw new StowageError(
      'INVALID_INPUT',
      `BackupConfiguration ${ns}/${bc.metadata.name}: spec.repository is required`,
    );
  const repository = await requireObject(ctx.store, 'Repository', {
    namespace: repoRef.namespace ?? ns,
    name: repoRef.name,
  });
  const steps = await resolveJobSteps(ctx, {
    mode: 'backup',
    invoker: bc,
    invokerNamespace: ns,
    repository,
    sessionName: session.metadata.name ?? '',
  });
  return {
    name: backupJobName(session.metadata.name ?? '', 0),
    namespace: ns,
    owner: {
      kind: 'BackupSession',
      name: session.metadata.name ?? '',
      ...(session.metadata.uid ? { uid: session.metadata.uid } : {}),
    },
    steps,
    interimVolume: bc.spec.interimVolumeTemplate !== undefined,
    repository: repositoryRef(repository),
    ...invokerJobSettings(bc.spec),
  };
}
