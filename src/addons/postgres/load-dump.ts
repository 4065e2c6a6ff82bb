/**
 * The restore program: reads a dump on stdin, passes it through GlobalsFilter (so pg_dumpall's
 * role statements replay into a cluster that already has roles) and into `psql`, and exits with
 * psql's status. Usage: node load-dump.ts [--psql=<path>] --user=<name> -- <psql args>. Connection settings
 * and the password file arrive as libpq env vars; --user names the connected user (the one whose
 * own ALTER ROLE is skipped).
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { runProgram, startTool } from './child-program.ts';
import { GlobalsFilter } from './globals-filter.ts';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { psql: { type: 'string', default: 'psql' }, user: { type: 'string', default: '' } },
    allowPositionals: true,
  });
  const filter = new GlobalsFilter(values.user);
  const psql = startTool(values.psql, positionals, ['pipe', 'inherit', 'inherit']);
  const stdin = psql.child.stdin!;
  // psql stopping early (ON_ERROR_STOP) closes its stdin; its exit status is what matters then.
  stdin.on('error', () => {});
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      if (stdin.destroyed) break;
      await write(stdin, filter.push(chunk));
    }
    await write(stdin, filter.end());
    stdin.end();
    return await psql.exited;
  } finally {
    psql.release();
  }
}

/** Writes `b` unless psql has gone; waits for room (or for psql to go). */
async function write(stdin: Writable, b: Buffer): Promise<void> {
  if (b.length && !stdin.destroyed && !stdin.write(b)) {
    await new Promise<void>((r) => {
      stdin.once('drain', r);
      stdin.once('close', r);
    });
  }
}

if (import.meta.main) runProgram('load-dump', main);
