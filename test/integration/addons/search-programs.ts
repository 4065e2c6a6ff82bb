/**
 * The Elasticsearch/OpenSearch addon's two programs (src/addons/elasticsearch/dump-command.ts,
 * load-command.ts) run as restic runs them: a child process with the connection in its
 * environment, its own flags, `--`, the user's args; the stream on stdout (dump) or stdin (load).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONNECTION_ENV } from '../../../src/addons/elasticsearch/connection.ts';
import type { SearchEngine } from '../../harness/search-engine.ts';

export interface ProgramRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** The JSON lines of stderr (progress, summaries, warnings). */
  lines: Array<Record<string, unknown>>;
}

export interface ProgramOptions {
  /** The connection (CONNECTION_ENV); PATH is added. */
  env: Record<string, string>;
  /** `--output-dir` of the dump, `--input-dir` of the load: the folder layout. */
  dir?: string | undefined;
  /** What the load reads; stdin is closed at once without it. */
  stdin?: string | Buffer | undefined;
}

const PROGRAMS = {
  dump: { file: 'dump-command.ts', dirFlag: '--output-dir' },
  load: { file: 'load-command.ts', dirFlag: '--input-dir' },
} as const;

export function runProgram(
  program: keyof typeof PROGRAMS,
  args: string[],
  options: ProgramOptions,
): Promise<ProgramRun> {
  const { file, dirFlag } = PROGRAMS[program];
  const script = fileURLToPath(new URL(`../../../src/addons/elasticsearch/${file}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        script,
        ...(options.dir ? [`${dirFlag}=${options.dir}`] : []),
        '--',
        ...args,
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => {}); // a refused load stops reading early
    child.once('error', reject);
    child.once('close', (code) => {
      const lines = stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, stdout: Buffer.concat(out), stderr, lines });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** The connection to the engine's TLS + basic-auth proxy, as the programs read it. */
export function proxyEnv(engine: SearchEngine): Record<string, string> {
  return {
    [CONNECTION_ENV.url]: engine.secure.url,
    [CONNECTION_ENV.username]: engine.secure.username,
    [CONNECTION_ENV.password]: engine.secure.password,
    [CONNECTION_ENV.caFile]: engine.secure.caFile,
  };
}
