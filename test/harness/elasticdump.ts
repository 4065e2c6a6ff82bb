/**
 * elasticdump 6.84.1 (npm), the tool Stash's Elasticsearch addon image runs, as a real peer: the
 * folder layout the Stowage addon must read and write is whatever `multielasticdump` produces, and
 * the bench compares against it. scripts/peers/elasticdump.sh installs it into the tools cache.
 *
 * Credentials never go on the command line: they go into an `--httpAuthFile` INI file (`user=`,
 * `password=`, mode 0600) that the tool reads and turns into the URL's userinfo in memory. TLS is
 * verified against the given CA with elasticdump's own flags (`--tlsAuth` plus `--input-ca` /
 * `--output-ca`, which multielasticdump forwards to every child); see docs/search-engines.md for
 * why both CA flags are passed in both directions.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { watchTree } from '../../bench/lib/rss.ts';
import { pinnedVersions } from './tools.ts';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ElasticdumpBins {
  multielasticdump: string;
  elasticdump: string;
}

/** The installed binaries (the peer script runs once when they are missing). */
export async function elasticdumpBin(): Promise<ElasticdumpBins> {
  const version = (await pinnedVersions()).ELASTICDUMP_VERSION ?? '6.84.1';
  const cache = process.env.STOWAGE_CACHE ?? join(homedir(), '.cache/stowage');
  let multi = join(cache, 'tools', `elasticdump-${version}`, 'node_modules/.bin/multielasticdump');
  if (!existsSync(multi)) {
    const { stdout } = await execFileAsync('bash', [join(root, 'scripts/peers/elasticdump.sh')], {
      maxBuffer: 8 * 1024 * 1024,
    });
    multi = stdout.trim().split('\n').pop() ?? '';
    if (!existsSync(multi)) throw new Error(`scripts/peers/elasticdump.sh printed no usable path: ${stdout}`);
  }
  return { multielasticdump: multi, elasticdump: join(dirname(multi), 'elasticdump') };
}

/**
 * The `--httpAuthFile` text. elasticdump (lib/add-auth.js) sets the values as the URL's userinfo
 * (WHATWG setters, which leave `%` alone) and `request` then decodes them twice: url.parse's
 * decodeURIComponent, then querystring.unescape on each `:`-separated piece. A raw `%` that is not
 * a valid escape throws `URIError: URI malformed`, so the values go in percent-encoded; that also
 * keeps `;` and `#` away from the ini parser's inline comments. What the double decode cannot
 * carry is refused: a literal `%XX` sequence, a `:` in the user name, and a `:`-piece of the
 * password holding both a `%` and a non-ASCII character (querystring's fallback turns that
 * character into one latin1 byte).
 */
export function httpAuthFileText(auth: { username: string; password: string }): string {
  const mangled =
    /%[0-9a-f]{2}/i.test(auth.password) ||
    /%[0-9a-f]{2}|:/i.test(auth.username) ||
    auth.password
      .split(':')
      .some((piece) => piece.includes('%') && [...piece].some((c) => c.charCodeAt(0) > 0x7f));
  if (mangled) throw new Error('credential not representable in an elasticdump httpAuthFile');
  return `user=${encodeURIComponent(auth.username)}\npassword=${encodeURIComponent(auth.password)}\n`;
}

export interface MultielasticdumpOptions {
  direction: 'dump' | 'load';
  /** dump: the engine's URL; load: the folder. */
  input: string;
  /** dump: the folder (must exist); load: the engine's URL. */
  output: string;
  auth?: { username: string; password: string };
  /** PEM file of the CA that signed the engine's certificate. */
  caFile?: string;
  /** e.g. ['--match=^logs-', '--includeType=data,mapping', '--limit=1000']. */
  extraArgs?: string[];
  cwd?: string;
  /** stdout+stderr go here (appended); by default into a temp file removed on success. */
  logFile?: string;
  /** Poll the process tree's memory (bench/lib/rss.ts); off by default. */
  watchRss?: boolean;
  /** Node that runs the tool (default: this process's Node, 24). */
  node?: string;
}

export interface MultielasticdumpRun {
  ms: number;
  /** Σ VmHWM of the live processes (parent + forked elasticdump children), max over samples. */
  peakRssMb?: number;
  /** stdout+stderr, last 64 KiB. */
  output: string;
}

/**
 * Runs multielasticdump to completion; rejects on a non-zero exit with the tail of its output.
 * An exit of 0 is not proof of success: a bulk item the engine rejects is only printed, and with
 * `--includeType` (which also sets `ignoreChildError`) a failed child is skipped silently. Check
 * the files or the engine afterwards.
 */
export async function runMultielasticdump(opts: MultielasticdumpOptions): Promise<MultielasticdumpRun> {
  const bins = await elasticdumpBin();
  const scratch = await mkdtemp(join(tmpdir(), 'stowage-elasticdump-'));
  const authFile = join(scratch, 'http-auth.ini');
  const args = [
    bins.multielasticdump,
    `--direction=${opts.direction}`,
    `--input=${opts.input}`,
    `--output=${opts.output}`,
  ];
  if (opts.auth) {
    await writeFile(authFile, httpAuthFileText(opts.auth), { mode: 0o600 });
    args.push(`--httpAuthFile=${authFile}`);
  }
  if (opts.caFile) {
    // The children read `<input|output>-ca` for their ES side; multielasticdump's own GET
    // /_aliases (dump) reads `output-ca` whatever the direction, so both are given.
    args.push('--tlsAuth=true', `--input-ca=${opts.caFile}`, `--output-ca=${opts.caFile}`);
  }
  args.push(...(opts.extraArgs ?? []));
  const logFile = opts.logFile ?? join(scratch, 'output.log');
  const fd = openSync(logFile, 'a', 0o600);
  const started = performance.now();
  const child = spawn(opts.node ?? process.execPath, args, {
    cwd: opts.cwd ?? scratch,
    stdio: ['ignore', fd, fd],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? scratch },
  });
  const watch = opts.watchRss && child.pid !== undefined ? watchTree(child.pid, 100) : undefined;
  let code: number | null;
  let signal: NodeJS.Signals | null;
  try {
    [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve([c, s]));
    });
  } finally {
    closeSync(fd);
    await rm(authFile, { force: true });
  }
  const ms = performance.now() - started;
  const tree = watch?.stop();
  const output = readFileSync(logFile, 'utf8').slice(-65_536);
  await rm(scratch, { recursive: true, force: true });
  if (code !== 0) {
    throw new Error(
      `multielasticdump --direction=${opts.direction} exited ${code ?? signal}:\n${output.slice(-8_000)}`,
    );
  }
  return { ms, output, ...(tree ? { peakRssMb: tree.treePeakMb } : {}) };
}
