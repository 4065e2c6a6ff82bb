/** Where the commands under test are: the clone's `bin/` (the same launchers a user runs). */
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const stowageBin = join(repoRoot, 'bin/stowage');
/** The kubectl plugin: `kubectl stowage …` runs it by this name. */
export const kubectlStowageBin = join(repoRoot, 'bin/kubectl-stowage');
