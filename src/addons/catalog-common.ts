/**
 * What every addon's catalog shares: the repository flags of the in-job steps (Stash's variable
 * names), the Function shape `stowage <direction> <addon> <flags>`, the output folder update-status
 * reads, and the Task shape `<addon>-<direction>-<v>` → update-status that Stash's addon Tasks have.
 */
import type { StashFunction, Task } from '../api/index.ts';
import { OUTPUT_DIR, SCRATCH_DIR } from '../core/job-volumes.ts';

/** Flags every in-job step that talks to the repository gets (Stash's variable names). */
const REPOSITORY_FLAGS = [
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
function sessionFlags(direction: Direction): string[] {
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

type Direction = 'backup' | 'restore';

/** The flags one family adds to its Functions: before the session flags, and after them. */
export interface FamilyFlags {
  beforeSession: string[];
  afterSession: string[];
}

/**
 * `<family>-<direction>-<version>`: `stowage <direction> <family>` with the repository flags, the
 * host (and on restore the source host), the family's flags around the session flags, and the
 * output folder, in the order Stash's Functions list them.
 */
function addonFunction(
  family: string,
  direction: Direction,
  version: string,
  image: string,
  flags: FamilyFlags,
): StashFunction {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'Function',
    metadata: { name: `${family}-${direction}-${version}` },
    spec: {
      image,
      args: [
        direction,
        family,
        ...REPOSITORY_FLAGS,
        '--hostname=${HOSTNAME:=}',
        ...(direction === 'restore' ? ['--source-hostname=${SOURCE_HOSTNAME:=}'] : []),
        ...flags.beforeSession,
        ...sessionFlags(direction),
        ...flags.afterSession,
        '--output-dir=${outputDir:=}',
      ],
    },
  };
}

function addonTask(family: string, direction: Direction, version: string): Task {
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

/** A family's backup and restore Functions, then its Tasks, versions in the list's order. */
export function addonCatalog(
  family: string,
  versions: readonly string[],
  image: string,
  flags: FamilyFlags,
): Array<StashFunction | Task> {
  const both = <T>(make: (direction: Direction) => T): T[] => [make('backup'), make('restore')];
  return [
    ...versions.flatMap((v) => both((d) => addonFunction(family, d, v, image, flags))),
    ...versions.flatMap((v) => both((d) => addonTask(family, d, v))),
  ];
}
