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
import type { Logger } from 'pino';
import type { AddonTarget, StreamBackupPlan, StreamingAddon, StreamRestorePlan } from '../addon.ts';
import { ValidationError } from '../../errors.ts';
import { libpqEnv, postgresConnection } from './connection.ts';
import { waitForPostgres } from './wait-for-postgres.ts';

const POSTGRES_DUMP_FILENAME = 'dumpfile.sql';

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

/** Where the programs a plan runs are: the PostgreSQL tools, and node with this addon's scripts. */
interface Programs {
  tool(name: 'pg_dump' | 'pg_dumpall' | 'psql'): string;
  /** `node <script> …` for ./dump-databases.ts or ./load-dump.ts. */
  script(name: 'dump-databases.ts' | 'load-dump.ts', args: string[]): string[];
  log: Logger | undefined;
}

function programs(options: PostgresAddonOptions): Programs {
  const node = options.nodeExecutable ?? process.execPath;
  return {
    tool: (name) => (options.binDir ? join(options.binDir, name) : name),
    script: (name, args) => [
      node,
      '--disable-warning=ExperimentalWarning',
      fileURLToPath(new URL(`./${name}`, import.meta.url)),
      ...args,
    ],
    log: options.logger,
  };
}

export function createPostgresAddon(options: PostgresAddonOptions = {}): StreamingAddon {
  const run = programs(options);
  return {
    name: 'postgres',
    waitReady: (target, timeoutSeconds, signal) =>
      waitForPostgres(postgresConnection(target), timeoutSeconds, signal, run.log),
    planBackup: (target) => planBackup(run, target),
    planRestore: (target) => planRestore(run, target),
  };
}

async function planBackup(run: Programs, target: AddonTarget): Promise<StreamBackupPlan> {
  const conn = postgresConnection(target);
  const env = await libpqEnv(conn, target.scratchDir);
  const databases = parseDatabases(target.params.databases);
  const cmd = backupCommand(target.params);
  let command: string[];
  if (databases.length > 0) {
    if (cmd === 'pg_dump' && target.params.databases) {
      // both name databases; the explicit list is the clearer one
      run.log?.debug('backupCMD=pg_dump ignored: the databases param selects the databases');
    }
    const selected = databases.map((d) => `--database=${d}`);
    command = run.script('dump-databases.ts', [
      `--pg-dump=${run.tool('pg_dump')}`,
      ...selected,
      '--',
      ...target.args,
    ]);
  } else if (cmd === 'pg_dump') {
    if (conn.database) env.PGDATABASE = conn.database;
    command = [run.tool('pg_dump'), ...target.args];
  } else {
    command = [run.tool('pg_dumpall'), '--clean', '--if-exists', ...target.args];
  }
  return { command, env, filename: POSTGRES_DUMP_FILENAME };
}

async function planRestore(run: Programs, target: AddonTarget): Promise<StreamRestorePlan> {
  const conn = postgresConnection(target);
  const env = await libpqEnv(conn, target.scratchDir);
  const plainDump =
    backupCommand(target.params) === 'pg_dump' && parseDatabases(target.params.databases).length === 0;
  const psqlArgs = ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1'];
  const command = plainDump
    ? // one database, no DROP/CREATE DATABASE: all or nothing
      [
        run.tool('psql'),
        ...psqlArgs,
        '--single-transaction',
        `--dbname=${conn.database ?? 'postgres'}`,
        ...target.args,
      ]
    : run.script('load-dump.ts', [
        `--psql=${run.tool('psql')}`,
        `--user=${conn.user}`,
        '--',
        ...psqlArgs,
        '--dbname=postgres',
        ...target.args,
      ]);
  return { command, env, filename: POSTGRES_DUMP_FILENAME };
}

export const postgresAddon: StreamingAddon = createPostgresAddon();
