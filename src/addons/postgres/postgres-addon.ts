/**
 * The PostgreSQL addon: logical dumps streamed into restic and replayed with psql.
 *
 * Backup (Task params, as Stash's postgres addon names them):
 * - default: `pg_dumpall --clean --if-exists <args>`: every database plus roles and tablespaces;
 * - `backupCMD`/`backupCmd` = `pg_dump`: `pg_dump <args>` (args name the database, as in Stash);
 * - `databases` = `a,b`: one stream of `pg_dump --create --clean --if-exists` per database, made by
 *   ./dump-databases.ts, because restic's --stdin-from-command runs exactly one program.
 * Restore: `psql --set=ON_ERROR_STOP=1 --dbname=postgres <args>` reading the dump on stdin, behind
 * ./load-dump.ts, which rewrites pg_dumpall's role statements so they replay into a cluster that
 * already has roles (./globals-filter.ts). Not one transaction: cluster and per-database dumps
 * DROP/CREATE DATABASE, which PostgreSQL refuses inside a transaction block; a plain `pg_dump`
 * stream (backupCMD=pg_dump) goes straight to psql with --single-transaction.
 * The file inside the snapshot is `dumpfile.sql`, as in Stash.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AddonTarget, StreamBackupPlan, StreamingAddon, StreamRestorePlan } from '../addon.ts';
import { StowageError, ValidationError, errorMessage } from '../../errors.ts';
import { waitUntilReady } from '../wait-ready.ts';
import { libpqEnv, postgresConnection, type PostgresConnection } from './connection.ts';

export const POSTGRES_DUMP_FILENAME = 'dumpfile.sql';

export interface PostgresAddonOptions {
  /** Folder holding pg_dump, pg_dumpall and psql; when unset they are looked up on PATH. */
  binDir?: string;
  /** The node binary that runs ./dump-databases.ts; defaults to the running one. */
  nodeExecutable?: string;
  logger?: Logger;
}

type BackupCommand = 'pg_dumpall' | 'pg_dump';

function backupCommand(params: Record<string, string>): BackupCommand {
  const v = (params.backupCMD ?? params.backupCmd ?? '').trim();
  if (v === '' || v === 'pg_dumpall') return 'pg_dumpall';
  if (v === 'pg_dump') return 'pg_dump';
  throw new ValidationError('postgres addon params', [
    { path: 'backupCMD', message: `must be "pg_dumpall" or "pg_dump", got "${v}"` },
  ]);
}

/** `databases` param: comma- or whitespace-separated names, duplicates removed, order kept. */
export function parseDatabases(value: string | undefined): string[] {
  const names = (value ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...new Set(names)];
}

const AUTH_FAILED = new Set(['28P01', '28000']);

export function createPostgresAddon(options: PostgresAddonOptions = {}): StreamingAddon {
  const tool = (name: string) => (options.binDir ? join(options.binDir, name) : name);
  const node = options.nodeExecutable ?? process.execPath;
  const dumpScript = fileURLToPath(new URL('./dump-databases.ts', import.meta.url));
  const loadScript = fileURLToPath(new URL('./load-dump.ts', import.meta.url));
  const log = options.logger;

  async function connect(conn: PostgresConnection): Promise<pg.Client> {
    // Loaded on first use: only the readiness probe needs a client, and a step process stays lean.
    const { default: pgLib } = await import('pg');
    const client = new pgLib.Client({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database ?? 'postgres',
      connectionTimeoutMillis: 5_000,
      application_name: 'stowage',
      ssl: sslOption(conn),
    });
    client.on('error', () => {}); // a dropped idle connection must not crash the process
    await client.connect();
    return client;
  }

  return {
    name: 'postgres',

    async waitReady(target: AddonTarget, timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
      const conn = postgresConnection(target);
      const where = { host: conn.host, port: conn.port };
      await waitUntilReady({
        timeoutSeconds,
        signal,
        probe: async () => {
          const client = await connect(conn);
          try {
            await client.query('select 1');
          } finally {
            await client.end().catch(() => {});
          }
        },
        fatal: (err) => {
          const code = (err as { code?: unknown }).code;
          if (typeof code !== 'string' || !AUTH_FAILED.has(code)) return undefined;
          return new StowageError(
            'DATABASE_AUTH_FAILED',
            `PostgreSQL at ${conn.host}:${conn.port} refused user "${conn.user}": ${errorMessage(err)}. Check the AppBinding's Secret.`,
            { cause: err },
          );
        },
        notReady: (last) =>
          new StowageError(
            'DATABASE_NOT_READY',
            `PostgreSQL at ${conn.host}:${conn.port} did not accept connections within ${timeoutSeconds}s (last error: ${errorMessage(last)}). Check that the server runs and the AppBinding points at it, or raise waitTimeout.`,
            { cause: last, retryable: true },
          ),
        onWaiting: (attempt, err) =>
          log?.debug({ ...where, attempt, err: errorMessage(err) }, 'waiting for postgres'),
        onReady: (attempt) => log?.debug({ ...where, attempt }, 'postgres is ready'),
      });
    },

    async planBackup(target: AddonTarget): Promise<StreamBackupPlan> {
      const conn = postgresConnection(target);
      const env = await libpqEnv(conn, target.scratchDir);
      const databases = parseDatabases(target.params.databases);
      const cmd = backupCommand(target.params);
      let command: string[];
      if (databases.length > 0) {
        if (cmd === 'pg_dump' && target.params.databases) {
          // both name databases; the explicit list is the clearer one
          log?.debug('backupCMD=pg_dump ignored: the databases param selects the databases');
        }
        command = [
          node,
          '--disable-warning=ExperimentalWarning',
          dumpScript,
          `--pg-dump=${tool('pg_dump')}`,
          ...databases.map((d) => `--database=${d}`),
          '--',
          ...target.args,
        ];
      } else if (cmd === 'pg_dump') {
        if (conn.database) env.PGDATABASE = conn.database;
        command = [tool('pg_dump'), ...target.args];
      } else {
        command = [tool('pg_dumpall'), '--clean', '--if-exists', ...target.args];
      }
      return { command, env, filename: POSTGRES_DUMP_FILENAME };
    },

    async planRestore(target: AddonTarget): Promise<StreamRestorePlan> {
      const conn = postgresConnection(target);
      const env = await libpqEnv(conn, target.scratchDir);
      const plainDump =
        backupCommand(target.params) === 'pg_dump' && parseDatabases(target.params.databases).length === 0;
      const psqlArgs = ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1'];
      if (plainDump) {
        // one database, no DROP/CREATE DATABASE: all or nothing
        const command = [
          tool('psql'),
          ...psqlArgs,
          '--single-transaction',
          `--dbname=${conn.database ?? 'postgres'}`,
          ...target.args,
        ];
        return { command, env, filename: POSTGRES_DUMP_FILENAME };
      }
      const command = [
        node,
        '--disable-warning=ExperimentalWarning',
        loadScript,
        `--psql=${tool('psql')}`,
        `--user=${conn.user}`,
        '--',
        ...psqlArgs,
        '--dbname=postgres',
        ...target.args,
      ];
      return { command, env, filename: POSTGRES_DUMP_FILENAME };
    },
  };
}

function sslOption(conn: PostgresConnection): pg.ClientConfig['ssl'] {
  switch (conn.sslMode) {
    case undefined:
    case 'disable':
    case 'allow':
    case 'prefer':
      // node-postgres has no "try TLS, fall back" mode; plain suffices for a readiness probe
      return false;
    case 'require':
      return { rejectUnauthorized: false, ...(conn.caBundle ? { ca: conn.caBundle } : {}) };
    default: // verify-ca, verify-full
      return { rejectUnauthorized: true, ...(conn.caBundle ? { ca: conn.caBundle } : {}) };
  }
}

export const postgresAddon: StreamingAddon = createPostgresAddon();
