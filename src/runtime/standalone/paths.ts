/** Where the standalone runtime keeps its state, in a module of its own so reading it loads nothing else. */
import { join } from 'node:path';

export const stateDbPath = (stateDir: string) => join(stateDir, 'state.db');
export const workRoot = (stateDir: string) => join(stateDir, 'work');
