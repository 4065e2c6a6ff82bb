/**
 * The Elasticsearch/OpenSearch addon: plans the dump and load programs restic runs, and waits for
 * the cluster. Two layouts (ADR 0008):
 * - stream (no interim volume): ./dump-command.ts writes one NDJSON stream (./archive-format.ts)
 *   to stdout, which restic stores as `elasticsearch.ndjson` (`backup --stdin-from-command`);
 *   restore streams it out of restic (`restic dump`) into ./load-command.ts — nothing on disk;
 * - folder (interimVolumeTemplate): the same programs write or read a folder in multielasticdump's
 *   layout, which restic backs up or restores as a directory — so backups made by Stash restore
 *   here, and ours restore with multielasticdump.
 * The connection reaches the programs by environment (./connection.ts); argv holds options only.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { AddonTarget, FolderAddon, StreamingAddon } from '../addon.ts';
import type { CommandPlan } from '../../engine/types.ts';
import { STREAM_FILENAME } from './archive-format.ts';
import { connectionEnv, searchConnection } from './connection.ts';
import { parseDumpArgs } from './dump-options.ts';
import { parseLoadOptions } from './load-options.ts';
import { waitForCluster } from './wait-for-cluster.ts';

export interface ElasticsearchAddonOptions {
  /** The addon name the Task names use: `elasticsearch` or `opensearch`. */
  name?: string;
  /** The node binary that runs the dump/load programs; defaults to the running one. */
  nodeExecutable?: string;
  logger?: Logger;
}

type Program = 'dump-command.ts' | 'load-command.ts';

/** Plans `node <program> [layout flag] -- <user args>`, the connection in its environment. */
type Planner = (target: AddonTarget, program: Program, layoutFlag: string[]) => Promise<CommandPlan>;

function planner(options: ElasticsearchAddonOptions): Planner {
  const node = options.nodeExecutable ?? process.execPath;
  return async (target, program, layoutFlag) => ({
    // A 1 MiB young generation: 10–20 MB less RSS while pages stream through (a runtime
    // v8.setFlagsFromString comes too late); docs/search-engines.md, "Dump throughput".
    command: [
      node,
      '--disable-warning=ExperimentalWarning',
      '--max-semi-space-size=1',
      fileURLToPath(new URL(`./${program}`, import.meta.url)),
      ...layoutFlag,
      '--',
      ...target.args,
    ],
    env: await connectionEnv(searchConnection(target), target.scratchDir),
  });
}

// Bad args fail the session at plan time with a message naming the flag, before anything runs.
const checkDumpArgs = (target: AddonTarget) => void parseDumpArgs(target.args);
const checkLoadArgs = (target: AddonTarget) =>
  void parseLoadOptions(target.args, { cores: availableParallelism(), warn: () => {} });

export function createElasticsearchAddon(options: ElasticsearchAddonOptions = {}): StreamingAddon {
  const plan = planner(options);
  const folder: FolderAddon = {
    planFolderBackup: (target, dir) => (
      checkDumpArgs(target),
      plan(target, 'dump-command.ts', [`--output-dir=${dir}`])
    ),
    planFolderRestore: (target, dir) => (
      checkLoadArgs(target),
      plan(target, 'load-command.ts', [`--input-dir=${dir}`])
    ),
  };
  return {
    name: options.name ?? 'elasticsearch',
    folder,
    waitReady: (target, timeoutSeconds, signal) =>
      waitForCluster(searchConnection(target), timeoutSeconds, signal, options.logger),
    async planBackup(target) {
      checkDumpArgs(target);
      return { ...(await plan(target, 'dump-command.ts', [])), filename: STREAM_FILENAME };
    },
    async planRestore(target) {
      checkLoadArgs(target);
      return { ...(await plan(target, 'load-command.ts', [])), filename: STREAM_FILENAME };
    },
  };
}

export const elasticsearchAddon: StreamingAddon = createElasticsearchAddon();
export const opensearchAddon: StreamingAddon = createElasticsearchAddon({ name: 'opensearch' });
