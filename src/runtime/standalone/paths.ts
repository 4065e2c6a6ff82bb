/** Where the standalone runtime keeps its state, in a module of its own so reading it loads nothing else. */
import { join } from 'node:path';
import { INTERIM_MOUNT_PATH, SCRATCH_DIR } from '../../core/job-volumes.ts';

export const stateDbPath = (stateDir: string) => join(stateDir, 'state.db');
export const workRoot = (stateDir: string) => join(stateDir, 'work');

/** A job's folders standing in for the Job's volumes: [path in the step's argv, folder here]. */
export function mountPaths(workdir: string): Array<[string, string]> {
  return [
    [INTERIM_MOUNT_PATH, join(workdir, 'interim')],
    [SCRATCH_DIR, join(workdir, 'stash-tmp')],
  ];
}

/** The folder a standalone job's scratch volume maps to. */
export const jobScratchDir = (workdir: string) => join(workdir, 'stash-tmp');
