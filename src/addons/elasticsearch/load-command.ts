/**
 * The restore program the addon plans: `restic dump … | node load-command.ts -- <args>` for the
 * streaming layout (the archive on stdin), or `node load-command.ts --input-dir=<dir> -- <args>`
 * for a folder in multielasticdump's layout (an interim volume). A plain Node script, like the
 * postgres addon's: it needs nothing but node and the addon's own modules, loaded lazily.
 *
 * Contract:
 * - connection from the environment (./connection.ts `CONNECTION_ENV`: URL, user, password, CA
 *   file); the password is never printed;
 * - `<args>` are the Task's `args` (./load-options.ts); an ignored flag is a warning line;
 * - stderr: JSON lines (`{"level":"info","msg":…}`), `load progress` at most every 2 s, `load done`
 *   at the end; on failure one line `error: <what went wrong and what is left on the cluster>`;
 * - exit 0 only when every selected index is restored with matching counts, else 1.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { StowageError, ValidationError, errorMessage } from '../../errors.ts';
import { clusterInfo } from './cluster-info.ts';
import { connectionFromEnv } from './connection.ts';
import { SearchClient } from './http-client.ts';
import { loadStream, restore, type LoadContext, type LoadProgress, type LoadSummary } from './load.ts';
import { parseLoadOptions } from './load-options.ts';
import { validationLine } from './failure-text.ts';
import type { RestoreLog } from './restore-indices.ts';

const PROGRESS_EVERY_MS = 2_000;

function line(level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level, msg, ...fields })}\n`);
}

/** The error line: one line, whatever the message holds. */
export function errorLine(e: unknown): string {
  const text = e instanceof ValidationError ? validationLine(e) : errorMessage(e);
  // A proxy's HTML error page (nginx's 401) shows as its text.
  const flat = text
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const hint =
    e instanceof StowageError && e.code === 'DATABASE_AUTH_FAILED'
      ? " (check the user name and password in the AppBinding's Secret)"
      : '';
  return `error: ${flat}${hint}`;
}

function progressFields(p: LoadProgress): Record<string, unknown> {
  const seconds = (Date.now() - p.startedAt) / 1000;
  return {
    phase: p.phase,
    documents: p.bulk.documents,
    ...(p.total !== undefined ? { total: p.total } : {}),
    read: p.read,
    indices: p.indices,
    bulkRequests: p.bulk.requests,
    retriedRequests: p.bulk.retriedRequests,
    retriedItems: p.bulk.retriedItems,
    docsPerSecond: seconds > 0 ? Math.round(p.bulk.documents / seconds) : 0,
    rssMb: Math.round(process.memoryUsage.rss() / 1048576),
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'input-dir': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const options = parseLoadOptions(positionals, {
    cores: availableParallelism(),
    warn: (message) => line('warn', message),
  });
  const conn = await connectionFromEnv(env);
  // node:https rather than undici: as fast for a few large bulks a second, and ~40 MB less RSS.
  const client = new SearchClient(conn, { connections: options.concurrency + 2, transport: 'node' });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => abort.abort(new Error(`interrupted by ${sig}`));
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  const progress = newProgress();
  const timer = setInterval(() => line('info', 'load progress', progressFields(progress)), PROGRESS_EVERY_MS);
  timer.unref();
  try {
    const cluster = await clusterInfo(client, abort.signal);
    line('info', 'cluster', { distribution: cluster.distribution, version: cluster.version });
    const log: RestoreLog = {
      info: (msg, f) => line('info', msg, f),
      warn: (msg, f) => line('warn', msg, f),
    };
    const ctx: LoadContext = { client, cluster, options, progress, signal: abort.signal, log };
    const summary = await load(ctx, values['input-dir']);
    line('info', 'load done', {
      ...progressFields(progress),
      indices: summary.indices.length,
      templates: summary.templates,
      skippedDocuments: summary.skippedDocuments,
      health: summary.health,
      seconds: Math.round(summary.ms / 100) / 10,
    });
    return 0;
  } finally {
    clearInterval(timer);
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    await client.close().catch(() => {});
  }
}

function newProgress(): LoadProgress {
  return {
    phase: 'preparing',
    indices: 0,
    read: 0,
    bulk: { documents: 0, perIndex: new Map(), requests: 0, retriedRequests: 0, retriedItems: 0, bytes: 0 },
    total: undefined,
    startedAt: Date.now(),
  };
}

/** Loads the folder at `dir` (an interim volume), or else the stream on stdin. */
async function load(ctx: LoadContext, dir: string | undefined): Promise<LoadSummary> {
  if (dir === undefined) return loadStream(ctx, process.stdin);
  const { readFolder } = await import('./folder-reader.ts');
  const source = await readFolder(dir, {
    warn: (msg, f) => ctx.log.warn(msg, f),
    analyzer: ctx.options.parts.analyzer,
  });
  return restore(ctx, source);
}

if (import.meta.main) {
  // A program entry of its own, like src/cli/: it reads its environment here, once.
  // eslint-disable-next-line no-restricted-properties
  main(process.argv.slice(2), process.env).then(
    // Exit now: an unread stdin (a load refused before its documents) would keep node waiting.
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${errorLine(err)}\n`);
      process.exit(1);
    },
  );
}
