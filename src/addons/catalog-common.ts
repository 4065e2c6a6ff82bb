/**
 * What every addon's catalog shares: the repository flags of the in-job steps (Stash's variable
 * names), the output folder update-status reads, and the Task shape `<addon>-<direction>-<v>` →
 * update-status that Stash's addon Tasks have.
 */
import type { StashFunction, Task } from '../api/index.ts';
import { OUTPUT_DIR, SCRATCH_DIR } from '../core/job-volumes.ts';

/** Flags every in-job step that talks to the repository gets (Stash's variable names). */
export const REPOSITORY_FLAGS = [
  '--provider=${REPOSITORY_PROVIDER:=}',
  '--bucket=${REPOSITORY_BUCKET:=}',
  '--endpoint=${REPOSITORY_ENDPOINT:=}',
  '--region=${REPOSITORY_REGION:=}',
  '--path=${REPOSITORY_PREFIX:=}',
  '--storage-secret-name=${REPOSITORY_SECRET_NAME:=}',
  '--storage-secret-namespace=${REPOSITORY_SECRET_NAMESPACE:=}',
  `--scratch-dir=${SCRATCH_DIR}`,
  '--enable-cache=${ENABLE_CACHE:=true}',
  '--max-connections=${MAX_CONNECTIONS:=0}',
  '--wait-timeout=${waitTimeout:=300}',
];

/**
 * The flags that name an in-job step's session, target and Repository (Stash's variables), in the
 * order Stash's Functions list them; the restore step also gets the snapshots to restore.
 */
export function sessionFlags(direction: 'backup' | 'restore'): string[] {
  return [
    '--namespace=${NAMESPACE:=default}',
    '--appbinding=${TARGET_NAME:=}',
    '--appbinding-namespace=${TARGET_NAMESPACE:=}',
    direction === 'backup' ? '--backupsession=${BACKUP_SESSION:=}' : '--restoresession=${RESTORE_SESSION:=}',
    '--repository=${REPOSITORY_NAME:=}',
    '--repository-namespace=${REPOSITORY_NAMESPACE:=}',
    ...(direction === 'restore' ? ['--snapshot=${RESTORE_SNAPSHOTS:=latest}'] : []),
  ];
}

function addonTask(family: string, direction: 'backup' | 'restore', version: string): Task {
  const params = [{ name: 'outputDir', value: OUTPUT_DIR }];
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'Task',
    metadata: { name: `${family}-${direction}-${version}` },
    spec: {
      steps: [
        { name: `${family}-${direction}-${version}`, params },
        { name: 'update-status', params },
      ],
    },
  };
}

/** A family's Functions (from `functions`) then its backup and restore Tasks, versions in order. */
export function addonCatalog(
  family: string,
  versions: readonly string[],
  functions: (version: string) => StashFunction[],
): Array<StashFunction | Task> {
  return [
    ...versions.flatMap(functions),
    ...versions.flatMap((v) => [addonTask(family, 'backup', v), addonTask(family, 'restore', v)]),
  ];
}
