/**
 * The one program restic runs (`backup --stdin-from-command`) when a backup selects databases:
 * restic runs a single command and stores its stdout, so this script runs `pg_dump --create
 * --clean --if-exists` for each database in turn and concatenates the dumps into one SQL stream
 * that `psql` can replay. It exits non-zero as soon as one dump fails, so restic discards the
 * snapshot. A plain Node script rather than a `stowage` subcommand: it needs nothing but node, and
 * the addon can point at it without the CLI knowing about it.
 *
 * Usage: node dump-databases.ts [--pg-dump=<path>] --database=<name>... [-- <extra pg_dump args>]
 * Connection settings and the password file arrive as libpq env vars (PGHOST, PGPASSFILE, …).
 */
import { parseArgs } from 'node:util';
import { runProgram, startTool } from './child-program.ts';

/** psql meta-command that moves the session to a database the next dump does not drop. */
function connectLine(database: string): string {
  return `\n\\connect ${database === 'template1' ? 'postgres' : 'template1'}\n\n`;
}

async function write(chunk: string | Buffer): Promise<void> {
  if (!process.stdout.write(chunk)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
}

async function dumpOne(pgDump: string, database: string, extra: string[]): Promise<number> {
  const args = ['--create', '--clean', '--if-exists', ...extra, `--dbname=${database}`];
  const tool = startTool(pgDump, args, ['ignore', 'pipe', 'inherit']);
  try {
    for await (const chunk of tool.child.stdout as AsyncIterable<Buffer>) await write(chunk);
    return await tool.exited;
  } finally {
    tool.release();
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      'pg-dump': { type: 'string', default: 'pg_dump' },
      database: { type: 'string', multiple: true },
    },
    allowPositionals: true,
  });
  const databases = values.database ?? [];
  if (databases.length === 0) {
    process.stderr.write('dump-databases: no --database given\n');
    return 2;
  }
  for (const db of databases) {
    // Each dump drops and recreates its database, which cannot be the one psql is connected to.
    await write(connectLine(db));
    const code = await dumpOne(values['pg-dump'], db, positionals);
    if (code !== 0) {
      process.stderr.write(`dump-databases: pg_dump of database "${db}" failed (exit ${code})\n`);
      return code;
    }
  }
  return 0;
}

if (import.meta.main) runProgram('dump-databases', main);
