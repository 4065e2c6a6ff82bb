/**
 * The restore program: reads a dump on stdin, passes it through GlobalsFilter (so pg_dumpall's
 * role statements replay into a cluster that already has roles) and into `psql`, and exits with
 * psql's status. Usage: node load-dump.ts [--psql=<path>] --user=<name> -- <psql args>. Connection settings
 * and the password file arrive as libpq env vars; --user names the connected user (the one whose
 * own ALTER ROLE is skipped).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { GlobalsFilter } from './globals-filter.ts';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { psql: { type: 'string', default: 'psql' }, user: { type: 'string', default: '' } },
    allowPositionals: true,
  });
  const filter = new GlobalsFilter(values.user);
  const child = spawn(values.psql, positionals, { stdio: ['pipe', 'inherit', 'inherit'] });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  // psql stopping early (ON_ERROR_STOP) closes its stdin; its exit status is what matters then.
  child.stdin.on('error', () => {});
  const write = async (b: Buffer) => {
    if (b.length && !child.stdin.destroyed && !child.stdin.write(b)) {
      await new Promise<void>((r) => {
        child.stdin.once('drain', r);
        child.stdin.once('close', r);
      });
    }
  };
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      if (child.stdin.destroyed) break;
      await write(filter.push(chunk));
    }
    await write(filter.end());
    child.stdin.end();
    return await exited;
  } finally {
    process.off('SIGTERM', forward).off('SIGINT', forward);
  }
}

if (import.meta.main) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`load-dump: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
