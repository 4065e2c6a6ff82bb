/**
 * The program restic runs for an Elasticsearch/OpenSearch backup (`restic backup
 * --stdin-from-command`), or the folder backup runs before restic (interim volume):
 *
 *   node --disable-warning=ExperimentalWarning dump-command.ts [--output-dir=<dir>] -- <user args…>
 *
 * - The connection comes from the environment (./connection.ts `connectionEnv`): STOWAGE_ES_URL,
 *   STOWAGE_ES_USERNAME, STOWAGE_ES_PASSWORD, STOWAGE_ES_CA_FILE (a 0600 file). No secret is ever
 *   on the command line or in a log line.
 * - The user args are the Task's `args` (./dump-options.ts).
 * - Without --output-dir stdout is the stream (./archive-format.ts); with it the dump goes into that
 *   existing folder in multielasticdump's layout (./folder-writer.ts) and stdout stays empty.
 * - stderr: JSON lines (`{"level":"info"|"warn","msg":…}`), progress at most every 2 s
 *   (`{"level":"info","msg":"dump progress","documents":n,"total":N,"docsPerSecond":r}`), and on
 *   failure one last line `error: <what went wrong>`.
 * - Exit 0 only when every slice finished and the counts match the snapshot; 1 otherwise (restic
 *   then keeps no snapshot). SIGTERM/SIGINT stop the dump, release the point in time, exit 1.
 * A plain Node script with lean imports: it is started for every backup and streams gigabytes, so
 * it loads the addon's few modules and undici, nothing else.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ValidationError } from '../../errors.ts';
import { connectionFromEnv } from './connection.ts';
import { dump, effectiveSlices, type DumpProgress } from './dump.ts';
import { parseDumpArgs } from './dump-options.ts';
import { untrustedCertificateCode, validationLine } from './failure-text.ts';
import type { DumpSink } from './dump-sink.ts';
import { FolderWriter } from './folder-writer.ts';
import { SearchHttpError, SearchClient } from './http-client.ts';
import { StreamWriter } from './stream-writer.ts';

const PROGRESS_EVERY_MS = 2_000;

interface CommandLine {
  outputDir: string | undefined;
  userArgs: string[];
}

/** `[--output-dir=<dir>] [-- <user args…>]` (pure; unit-tested). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const sep = argv.indexOf('--');
  const own = sep < 0 ? argv : argv.slice(0, sep);
  const userArgs = sep < 0 ? [] : argv.slice(sep + 1);
  let outputDir: string | undefined;
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg.startsWith('--output-dir=')) outputDir = arg.slice('--output-dir='.length);
    else if (arg === '--output-dir' && own[i + 1] !== undefined) outputDir = own[++i];
    else {
      throw new ValidationError('dump-command', [
        { path: arg, message: 'unknown option; usage: dump-command.ts [--output-dir=<dir>] -- <args…>' },
      ]);
    }
  }
  if (outputDir === '') {
    throw new ValidationError('dump-command', [{ path: '--output-dir', message: 'must name a folder' }]);
  }
  return { outputDir, userArgs: [...userArgs] };
}

/** The one line a failure leaves on stderr (pure; unit-tested). */
export function failureLine(e: unknown): string {
  let msg: string;
  if (e instanceof ValidationError) {
    msg = validationLine(e);
  } else if (e instanceof Error) {
    msg = e.message + hint(e);
    const code = untrustedCertificateCode(e);
    if (code) {
      // Node's advice to try --use-system-ca does not apply: the CA comes from the AppBinding.
      msg = `${e.message.replace(/; if the root CA is installed locally.*$/, '')} — the server's TLS certificate is not trusted (${code}): check the CA bundle of the AppBinding`;
    }
  } else {
    msg = String(e);
  }
  return `error: ${msg.replace(/\s*\n\s*/g, '; ')}\n`;
}

/** What to check after a refused request. */
function hint(e: Error): string {
  if (!(e instanceof SearchHttpError)) return '';
  if (e.status === 401) return ' — check the user name and password in the AppBinding’s Secret';
  if (e.status === 403)
    return ' — the user lacks a privilege the dump needs (read, view_index_metadata, monitor)';
  return '';
}

function logLine(level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level, msg, ...fields })}\n`);
}

async function run(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const cmd = parseCommandLine(argv);
  const options = parseDumpArgs(cmd.userArgs);
  for (const w of options.warnings) logLine('warn', w);
  if (cmd.outputDir !== undefined) await checkOutputDir(cmd.outputDir);
  // eslint-disable-next-line no-restricted-properties -- this program's configuration is its environment
  const conn = await connectionFromEnv(process.env);
  const cores = availableParallelism();
  const client = new SearchClient(conn, {
    connections: effectiveSlices(options, cores) + 2,
    transport: 'node',
  });
  const sink: DumpSink = cmd.outputDir
    ? new FolderWriter(cmd.outputDir, options.parts)
    : new StreamWriter(process.stdout, 'stdout');
  const progress = new ProgressLines();
  try {
    const result = await dump({
      client,
      options,
      sink,
      cores,
      signal,
      log: (level, msg, fields) => logLine(level, msg, fields),
      onStart: (read) => progress.start(read),
    });
    progress.stop();
    logLine('info', 'dump complete', {
      method: result.method,
      indices: result.indices.length,
      documents: result.total,
      ...progress.rate(result.total),
      slices: result.slices,
      batchSize: result.batchSize,
      ...(cmd.outputDir ? { outputDir: cmd.outputDir } : {}),
    });
  } finally {
    progress.stop();
    await client.close().catch(() => {});
  }
}

async function checkOutputDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new ValidationError('dump-command', [
      { path: '--output-dir', message: `${dir} is not an existing folder` },
    ]);
  }
}

/** `dump progress` lines every PROGRESS_EVERY_MS once the documents flow, and the final rate. */
class ProgressLines {
  #read: (() => DumpProgress) | undefined;
  #started = 0;
  readonly #timer = setInterval(() => this.#report(), PROGRESS_EVERY_MS);

  start(read: () => DumpProgress): void {
    this.#read = read;
    this.#started = performance.now();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Seconds since the documents started to flow, and documents per second. */
  rate(documents: number): { seconds: number; docsPerSecond: number } {
    const seconds = this.#started ? (performance.now() - this.#started) / 1000 : 0;
    return {
      seconds: Math.round(seconds * 10) / 10,
      docsPerSecond: seconds > 0 ? Math.round(documents / seconds) : 0,
    };
  }

  #report(): void {
    if (!this.#read) return;
    const p = this.#read();
    const { docsPerSecond } = this.rate(p.documents);
    logLine('info', 'dump progress', { documents: p.documents, total: p.total, docsPerSecond });
  }
}

/** Exits once stderr has taken the last line (a pipe write is asynchronous). */
function exit(code: number): void {
  process.stderr.write('', () => process.exit(code));
}

if (import.meta.main) {
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => controller.abort(new Error(`interrupted by ${sig}`)));
  }
  run(process.argv.slice(2), controller.signal).then(
    () => exit(0),
    (e: unknown) => {
      const reason: unknown = controller.signal.aborted ? (controller.signal.reason as unknown) : e;
      process.stderr.write(failureLine(reason));
      exit(1);
    },
  );
}
