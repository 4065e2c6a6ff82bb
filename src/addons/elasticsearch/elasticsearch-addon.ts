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
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type {
  AddonTarget,
  FolderAddon,
  StreamBackupPlan,
  StreamingAddon,
  StreamRestorePlan,
} from '../addon.ts';
import type { CommandPlan } from '../../engine/types.ts';
import { StowageError, errorMessage } from '../../errors.ts';
import { availableParallelism } from 'node:os';
import { waitUntilReady } from '../wait-ready.ts';
import { STREAM_FILENAME } from './archive-format.ts';
import { parseDumpArgs } from './dump-options.ts';
import { parseLoadOptions } from './load-options.ts';
import { connectionEnv, searchConnection } from './connection.ts';
import { SearchClient, SearchHttpError } from './http-client.ts';

export interface ElasticsearchAddonOptions {
  /** The addon name the Task names use: `elasticsearch` or `opensearch`. */
  name?: string;
  /** The node binary that runs the dump/load programs; defaults to the running one. */
  nodeExecutable?: string;
  logger?: Logger;
}

/** TLS failures that waiting will not cure: the CA or the host name is wrong. */
const TLS_CONFIG_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function createElasticsearchAddon(options: ElasticsearchAddonOptions = {}): StreamingAddon {
  const node = options.nodeExecutable ?? process.execPath;
  const dumpScript = fileURLToPath(new URL('./dump-command.ts', import.meta.url));
  const loadScript = fileURLToPath(new URL('./load-command.ts', import.meta.url));
  const log = options.logger;

  async function plan(target: AddonTarget, script: string, layoutFlag: string[]): Promise<CommandPlan> {
    const env = await connectionEnv(searchConnection(target), target.scratchDir);
    return {
      // A 1 MiB young generation: 10–20 MB less RSS while pages stream through (a runtime
      // v8.setFlagsFromString comes too late); docs/search-engines.md, "Dump throughput".
      command: [
        node,
        '--disable-warning=ExperimentalWarning',
        '--max-semi-space-size=1',
        script,
        ...layoutFlag,
        '--',
        ...target.args,
      ],
      env,
    };
  }

  // Bad args fail the session at plan time with a message naming the flag, before anything runs.
  const checkDumpArgs = (target: AddonTarget) => void parseDumpArgs(target.args);
  const checkLoadArgs = (target: AddonTarget) =>
    void parseLoadOptions(target.args, { cores: availableParallelism(), warn: () => {} });

  const folder: FolderAddon = {
    planFolderBackup: (target, dir) => (
      checkDumpArgs(target),
      plan(target, dumpScript, [`--output-dir=${dir}`])
    ),
    planFolderRestore: (target, dir) => (
      checkLoadArgs(target),
      plan(target, loadScript, [`--input-dir=${dir}`])
    ),
  };

  return {
    name: options.name ?? 'elasticsearch',
    folder,

    async waitReady(target: AddonTarget, timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
      const conn = searchConnection(target);
      const client = new SearchClient(conn, { connections: 1, timeoutMs: 15_000 });
      try {
        await waitUntilReady({
          timeoutSeconds,
          signal,
          // yellow: every primary is assigned, which is all a dump or a load needs
          probe: async () => {
            await client.request('GET', '/_cluster/health', undefined, {
              query: { wait_for_status: 'yellow', timeout: '5s' },
              ...(signal ? { signal } : {}),
            });
          },
          fatal: (err) => {
            if (err instanceof SearchHttpError && (err.status === 401 || err.status === 403)) {
              return new StowageError(
                'DATABASE_AUTH_FAILED',
                `${conn.url} refused ${conn.username === undefined ? 'anonymous access' : `user "${conn.username}"`} (HTTP ${err.status}). Check the AppBinding's Secret (username/password or ADMIN_USERNAME/ADMIN_PASSWORD).`,
                { cause: err },
              );
            }
            const code = tlsCode(err);
            if (!code) return undefined;
            return new StowageError(
              'DATABASE_TLS_FAILED',
              `${conn.url}: the server's certificate is not trusted (${code}). Put the CA that signed it into the AppBinding's spec.clientConfig.caBundle; verification is never switched off.`,
              { cause: err },
            );
          },
          notReady: (last) =>
            new StowageError(
              'DATABASE_NOT_READY',
              `The cluster at ${conn.url} was not ready (yellow) within ${timeoutSeconds}s (last error: ${errorMessage(last)}). Check that it runs and the AppBinding points at it, or raise waitTimeout.`,
              { cause: last, retryable: true },
            ),
          onWaiting: (attempt, err) =>
            log?.debug({ url: conn.url, attempt, err: errorMessage(err) }, 'waiting for the cluster'),
          onReady: (attempt) => log?.debug({ url: conn.url, attempt }, 'cluster is ready'),
        });
      } finally {
        await client.close();
      }
    },

    async planBackup(target: AddonTarget): Promise<StreamBackupPlan> {
      checkDumpArgs(target);
      return { ...(await plan(target, dumpScript, [])), filename: STREAM_FILENAME };
    },

    async planRestore(target: AddonTarget): Promise<StreamRestorePlan> {
      checkLoadArgs(target);
      return { ...(await plan(target, loadScript, [])), filename: STREAM_FILENAME };
    },
  };
}

function tlsCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CONFIG_ERRORS.has(code)) return code;
  }
  return undefined;
}

export const elasticsearchAddon: StreamingAddon = createElasticsearchAddon();
export const opensearchAddon: StreamingAddon = createElasticsearchAddon({ name: 'opensearch' });
