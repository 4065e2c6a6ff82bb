/**
 * Real OpenSearch and Elasticsearch servers for the integration tests, from the "integ-test"
 * distributions on Maven Central that scripts/peers/search-engines.sh unpacks (versions pinned in
 * scripts/versions.env). Each start gets:
 * - a single-node cluster on free loopback ports (http.port, transport.port), security off, disk
 *   threshold off, a small heap, its config/data/logs/tmp in a fresh temp folder;
 * - an nginx in front of it (Debian's binary, its own config in the same folder) that terminates TLS
 *   with a certificate made for this run by openssl (a CA plus a server cert for 127.0.0.1 and
 *   localhost) and asks for HTTP basic auth (an htpasswd line in the {SSHA} scheme).
 * The engines refuse to run as root: as root (CI) both processes run as the system user the peers
 * script creates (stowage-search) through `setpriv`, and the temp folder belongs to that user.
 * Each runs in its own process group, so stop() also reaches the JVM that Elasticsearch 8's launcher
 * forks. See docs/search-engines.md.
 */
import { collectOutput, freePort } from './process.ts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const peerScript = join(root, 'scripts/peers/search-engines.sh');

export type EngineKind = 'opensearch' | 'elasticsearch';

export interface SearchEngine {
  kind: EngineKind;
  /** e.g. '2.19.6' */
  version: string;
  /** Plain http://127.0.0.1:<port>, straight to the engine, no auth. */
  url: string;
  /** https through the nginx proxy, basic auth, certificate signed by `caPem`. */
  secure: { url: string; username: string; password: string; caPem: string; caFile: string };
  /** Milliseconds from spawning the JVM to a yellow/green cluster, and to the proxy answering. */
  startupMs: { engine: number; proxy: number };
  /** The distribution folder and the JDK it runs on. */
  home: string;
  javaHome: string;
  /** Last 16 KiB of the engine's console output. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Each line of scripts/versions.env that the peers script installs, with the Java majors it runs
 * on (the lowest installed JDK in the range is used). Keep in step with the script's `engines`.
 */
const lines: Array<{ kind: EngineKind; key: string; javaMin: number; javaMax: number }> = [
  { kind: 'opensearch', key: 'OPENSEARCH_VERSION', javaMin: 11, javaMax: 21 },
  { kind: 'opensearch', key: 'OPENSEARCH3_VERSION', javaMin: 21, javaMax: 25 },
  { kind: 'elasticsearch', key: 'ELASTICSEARCH6_VERSION', javaMin: 11, javaMax: 17 },
  { kind: 'elasticsearch', key: 'ELASTICSEARCH7_VERSION', javaMin: 11, javaMax: 21 },
  { kind: 'elasticsearch', key: 'ELASTICSEARCH8_VERSION', javaMin: 17, javaMax: 25 },
];

const major = (version: string): number => Number(version.split('.')[0]);

function pinned(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(root, 'scripts/versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

/** Installed JDKs: major version → home (lowest wins per major). */
function installedJdks(): Map<number, string> {
  const found = new Map<number, string>();
  const dirs = [process.env.JAVA_HOME, ...safeList('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d))];
  for (const dir of dirs) {
    if (!dir || !existsSync(join(dir, 'bin/java'))) continue;
    try {
      const m = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(join(dir, 'release'), 'utf8'));
      if (m?.[1] && !found.has(Number(m[1]))) found.set(Number(m[1]), dir);
    } catch {
      // no release file: not a JDK we can classify
    }
  }
  return found;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

type EngineLine = (typeof lines)[number];

/** Why `line` cannot run here (no pin, or no installed JDK in its range), or undefined when it can. */
function cannotRun(line: EngineLine, versions: Record<string, string>, jdks: number[]): string | undefined {
  const version = versions[line.key];
  if (!version) return `${line.kind}: scripts/versions.env pins no ${line.key}`;
  if (jdks.some((v) => v >= line.javaMin && v <= line.javaMax)) return undefined;
  return `${line.kind} ${version} (${line.key}) needs a JDK ${line.javaMin} to ${line.javaMax}`;
}

/** Throws one error for every line in `wanted` that cannot run here, naming the JDKs there are. */
function requireRunnable(wanted: EngineLine[], versions: Record<string, string>): void {
  const jdks = [...installedJdks().keys()].sort((a, b) => a - b);
  const problems = wanted.map((l) => cannotRun(l, versions, jdks)).filter((p) => p !== undefined);
  if (problems.length === 0) return;
  const found = jdks.length > 0 ? `JDK ${jdks.join(', ')}` : 'no JDK';
  throw new Error(
    `${problems.join('; ')}. Found ${found} under /usr/lib/jvm and $JAVA_HOME: install one in each ` +
      'range (docs/search-engines.md). The search-engine suites never drop an engine.',
  );
}

/**
 * Every engine pinned in scripts/versions.env. Throws, naming each engine and the Java range it
 * needs, when one of them has no JDK here: a missing JDK fails the suite instead of shrinking it,
 * on every machine (a developer's green run means what CI's does).
 */
export function availableEngines(): PinnedEngine[] {
  const versions = pinned();
  requireRunnable(lines, versions);
  return lines.map((l) => {
    const version = versions[l.key]!;
    return { kind: l.kind, version, major: major(version), name: `${l.kind} ${version}` };
  });
}

export interface PinnedEngine {
  kind: EngineKind;
  /** e.g. '7.17.29', its major (7) and a title for describe.each ('elasticsearch 7.17.29'). */
  version: string;
  major: number;
  name: string;
}

/** `version` may be exact ('7.17.29'), a major ('7') or absent (the newest pinned line). */
function resolveVersion(kind: EngineKind, version: string | undefined): string {
  const versions = pinned();
  const candidates = lines
    .filter((l) => l.kind === kind && versions[l.key])
    .map((l) => versions[l.key]!)
    .sort((a, b) => major(b) - major(a));
  if (version === undefined) {
    // OpenSearch: the 2.x line is the default (Java 17, what most clusters in the field run).
    const preferred = kind === 'opensearch' ? versions.OPENSEARCH_VERSION : candidates[0];
    if (!preferred) throw new Error(`no ${kind} version is pinned in scripts/versions.env`);
    return preferred;
  }
  if (/^\d+$/.test(version)) {
    const match = candidates.find((v) => v.split('.')[0] === version);
    if (!match) throw new Error(`no ${kind} ${version}.x is pinned in scripts/versions.env`);
    return match;
  }
  return version;
}

interface Installation {
  home: string;
  javaHome: string;
  nginx: string;
  user: string;
}

const installs = new Map<string, Promise<Installation>>();

/** Runs the peers script for one engine (it downloads on first use, then only prints paths). */
function install(kind: EngineKind, version: string): Promise<Installation> {
  const id = `${kind}-${version}`;
  let p = installs.get(id);
  if (!p) {
    p = (async () => {
      const { stdout } = await run('bash', [peerScript, id], { maxBuffer: 16 * 1024 * 1024 });
      const fields = new Map(
        stdout
          .trim()
          .split('\n')
          .map((l) => [l.split(' ')[0], l.split(' ').slice(1)]),
      );
      const engine = fields.get(id);
      const nginx = fields.get('nginx')?.[0];
      const user = fields.get('user')?.[0];
      if (!engine?.[0] || !engine[1] || !nginx || !user) {
        throw new Error(`${peerScript} ${id} printed no install paths:\n${stdout}`);
      }
      return { home: engine[0], javaHome: engine[1], nginx, user };
    })();
    installs.set(id, p);
    p.catch(() => installs.delete(id));
  }
  return p;
}

/** A child in its own process group (setsid), so the whole tree can be signalled. */
interface Group {
  child: ChildProcess;
  output(): string;
  stop(graceMs: number): Promise<void>;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function spawnGroup(
  name: string,
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; runAs?: { uid: number; gid: number } },
): Group {
  if (!exitHookInstalled) {
    // A test file that dies without stop() must not leave JVMs behind.
    process.on('exit', () => liveGroups.forEach((pid) => killGroup(pid, 'SIGKILL')));
    exitHookInstalled = true;
  }
  const [cmd, argv] = options.runAs
    ? [
        'setpriv',
        [
          `--reuid=${options.runAs.uid}`,
          `--regid=${options.runAs.gid}`,
          '--init-groups',
          '--',
          command,
          ...args,
        ],
      ]
    : [command, args];
  const child = spawn(cmd, argv, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  const output = collectOutput(child, name);
  const exited = once(child, 'exit').catch(() => undefined);
  return {
    child,
    output,
    async stop(graceMs: number): Promise<void> {
      if (pid === undefined) return;
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the leader left in its group (Elasticsearch 8's server JVM, nginx workers).
      killGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
    },
  };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/**
 * One HTTP(S) request with a JSON (or NDJSON string) body. For https, `ca` is the only trusted root
 * unless omitted (then Node's default roots: a test CA fails verification, as it should).
 */
export function engineRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    auth?: { username: string; password: string };
    ca?: string;
    contentType?: string;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  const url = new URL(path, baseUrl);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  if (options.auth) {
    const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
    headers.authorization = `Basic ${token}`;
  }
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    };
    const common = { method, headers, timeout: options.timeoutMs ?? 60_000 };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(
            url,
            { ...common, ...(options.ca ? { ca: options.ca } : {}), agent: false },
            onResponse,
          )
        : httpRequest(url, { ...common, agent: false }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const gid = Number((await run('id', ['-g', name])).stdout.trim());
  return { uid, gid };
}

/** A CA and a server certificate for 127.0.0.1 / localhost, valid two days, EC P-256. */
async function makeCertificates(dir: string): Promise<{ caFile: string; cert: string; key: string }> {
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const tag = randomBytes(4).toString('hex');
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    `/CN=Stowage test CA ${tag}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  // The CA's key is not needed once the server certificate is signed.
  await Promise.all([rm(caKey), rm(csr), rm(ext)]);
  return { caFile, cert, key };
}

/** An htpasswd line nginx accepts: {SSHA} = base64(sha1(password + salt) + salt). */
function htpasswdLine(username: string, password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `${username}:{SSHA}${Buffer.concat([digest, salt]).toString('base64')}\n`;
}

function nginxConfig(
  dir: string,
  listenPort: number,
  upstreamPort: number,
  tls: { cert: string; key: string },
): string {
  return `# Written by test/harness/search-engine.ts: TLS + basic auth in front of one engine.
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 0;
  upstream engine {
    server 127.0.0.1:${upstreamPort};
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${listenPort} ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    auth_basic "stowage test search engine";
    auth_basic_user_file ${dir}/htpasswd;
    location / {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
`;
}

/**
 * The copied config folder, with jvm.options trimmed for tests: no fixed heap (set through the
 * *_JAVA_OPTS variable), no GC log files and no heap dumps in the data folder.
 */
async function writeEngineConfig(home: string, confDir: string, logsDir: string): Promise<void> {
  await cp(join(home, 'config'), confDir, { recursive: true });
  const jvmOptions = join(confDir, 'jvm.options');
  const kept = (await readFile(jvmOptions, 'utf8'))
    .split('\n')
    .filter(
      (l) =>
        !/^(\d+(-\d*)?:)?-(Xms|Xmx|Xlog:gc|Xloggc|XX:\+HeapDumpOnOutOfMemoryError|XX:HeapDumpPath)/.test(l),
    )
    .map((l) => l.replace(/-XX:ErrorFile=\S+/, `-XX:ErrorFile=${logsDir}/hs_err_pid%p.log`));
  await writeFile(jvmOptions, kept.join('\n'));
}

/** Yellow or green; false while the node is not answering yet or has no elected master. */
async function clusterReady(url: string): Promise<boolean> {
  try {
    const res = await engineRequest(url, 'GET', '/_cluster/health?wait_for_status=yellow&timeout=1s', {
      timeoutMs: 5_000,
    });
    const status = (res.json as { status?: string } | undefined)?.status;
    return res.status === 200 && (status === 'yellow' || status === 'green');
  } catch {
    return false;
  }
}

async function waitFor(
  what: string,
  group: Group,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (group.child.exitCode !== null || group.child.signalCode !== null) {
      throw new ExitedEarly(
        `${what} exited (${group.child.exitCode ?? group.child.signalCode}) before it was ready:\n${group.output()}`,
      );
    }
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000}s:\n${group.output()}`);
}

class ExitedEarly extends Error {}

const portClash = /BindException|Address already in use|bind\(\) to .* failed/;

/**
 * Starts one engine (a pinned version by default) with its TLS/auth proxy. Installs the
 * distribution on first use through scripts/peers/search-engines.sh.
 */
export async function startSearchEngine(
  kind: EngineKind,
  version?: string,
  options: {
    heapMb?: number;
    startTimeoutMs?: number;
    /** More `-E` node settings, e.g. `{ 'thread_pool.write.queue_size': '2' }` to provoke 429s. */
    extraSettings?: Record<string, string>;
  } = {},
): Promise<SearchEngine> {
  const resolved = resolveVersion(kind, version);
  const versions = pinned();
  // A pinned version: say which JDK is missing (the peers script would only skip it).
  requireRunnable(
    lines.filter((l) => l.kind === kind && versions[l.key] === resolved),
    versions,
  );
  const inst = await install(kind, resolved);
  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? await osUser(inst.user) : undefined;
  const heapMb = options.heapMb ?? 512;
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  const jvmExtra = (process.env.STOWAGE_SEARCH_JAVA_OPTS ?? '').split(' ').filter(Boolean);

  const base = await mkdtemp(join(tmpdir(), `stowage-${kind}-`));
  const confDir = join(base, 'config');
  const dataDir = join(base, 'data');
  const logsDir = join(base, 'logs');
  const tmpDir = join(base, 'tmp');
  const proxyDir = join(base, 'proxy');
  let engine: Group | undefined;
  let proxy: Group | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.all([proxy?.stop(5_000), engine?.stop(20_000)]);
    await rm(base, { recursive: true, force: true });
  };

  try {
    await Promise.all([dataDir, logsDir, tmpDir, proxyDir].map((d) => mkdir(d)));
    await writeEngineConfig(inst.home, confDir, logsDir);
    const { caFile, cert, key } = await makeCertificates(proxyDir);
    const caPem = await readFile(caFile, 'utf8');
    const username = 'stowage';
    // Characters that need care in Basic auth and in URLs: a colon, a percent sign, a space.
    const password = `pw ${randomBytes(9).toString('base64url')}:%x`;
    await writeFile(join(proxyDir, 'htpasswd'), htpasswdLine(username, password), { mode: 0o600 });
    if (runAs) await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, base]);

    const prefix = kind === 'opensearch' ? 'OPENSEARCH' : 'ES';
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: base,
      LANG: 'C.UTF-8',
      [`${prefix}_JAVA_HOME`]: inst.javaHome,
      [`${prefix}_PATH_CONF`]: confDir,
      [`${prefix}_TMPDIR`]: tmpDir,
      [`${prefix}_JAVA_OPTS`]: [`-Xms${heapMb}m`, `-Xmx${heapMb}m`, ...jvmExtra].join(' '),
    };

    // The ports are free when picked but may be taken before the JVM binds them: retry on a clash.
    let httpPort = 0;
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      httpPort = await freePort();
      const transportPort = await freePort();
      const settings = [
        `cluster.name=stowage-test-${randomBytes(3).toString('hex')}`,
        'node.name=stowage-test',
        'discovery.type=single-node',
        'network.host=127.0.0.1',
        `http.port=${httpPort}`,
        `transport.port=${transportPort}`,
        `path.data=${dataDir}`,
        `path.logs=${logsDir}`,
        'cluster.routing.allocation.disk.threshold_enabled=false',
        // 7.x and 8.x integ-test zips carry x-pack security (on by default in 8.x); 6.8's is the OSS build.
        ...(kind === 'elasticsearch' && major(resolved) >= 7 ? ['xpack.security.enabled=false'] : []),
        ...Object.entries(options.extraSettings ?? {}).map(([k, v]) => `${k}=${v}`),
      ];
      engine = spawnGroup(
        `${kind} ${resolved}`,
        join(inst.home, 'bin', kind),
        settings.map((s) => `-E${s}`),
        { env, cwd: base, runAs },
      );
      const url = `http://127.0.0.1:${httpPort}`;
      try {
        await waitFor(`${kind} ${resolved}`, engine, () => clusterReady(url), timeoutMs);
        break;
      } catch (e) {
        const clash = e instanceof ExitedEarly && portClash.test(engine.output());
        await engine.stop(5_000);
        if (!clash || attempt >= 3) throw e;
        await rm(dataDir, { recursive: true, force: true });
        await mkdir(dataDir);
        if (runAs) await run('chown', [`${runAs.uid}:${runAs.gid}`, dataDir]);
      }
    }
    const engineMs = Date.now() - startedAt;

    const proxyStartedAt = Date.now();
    let proxyPort = 0;
    for (let attempt = 1; ; attempt++) {
      proxyPort = await freePort();
      const conf = join(proxyDir, 'nginx.conf');
      await writeFile(conf, nginxConfig(proxyDir, proxyPort, httpPort, { cert, key }));
      proxy = spawnGroup(
        'nginx',
        inst.nginx,
        ['-p', proxyDir, '-e', join(proxyDir, 'nginx-error.log'), '-c', conf, '-g', 'daemon off;'],
        { env: { PATH: '/usr/sbin:/usr/bin:/bin' }, cwd: proxyDir, runAs },
      );
      let lastProbe = '';
      const probe = async (): Promise<boolean> => {
        try {
          // Not `GET /`: Elasticsearch 8.10+ integ-test zips lack the rest-root module (405 there).
          const res = await engineRequest(`https://127.0.0.1:${proxyPort}`, 'GET', '/_cluster/health', {
            auth: { username, password },
            ca: caPem,
            timeoutMs: 2_000,
          });
          lastProbe = `HTTP ${res.status}: ${res.body.slice(0, 500)}`;
          return res.status === 200;
        } catch (e) {
          lastProbe = String(e);
          return false;
        }
      };
      try {
        await waitFor('nginx', proxy, probe, 30_000);
        break;
      } catch (e) {
        const log = await readFile(join(proxyDir, 'nginx-error.log'), 'utf8').catch(() => '');
        await proxy.stop(2_000);
        if (!(e instanceof ExitedEarly && portClash.test(log + proxy.output())) || attempt >= 3) {
          throw new Error(`${(e as Error).message}\nlast probe: ${lastProbe}\nnginx-error.log:\n${log}`);
        }
      }
    }
    const proxyMs = Date.now() - proxyStartedAt;

    const engineGroup = engine;
    return {
      kind,
      version: resolved,
      url: `http://127.0.0.1:${httpPort}`,
      secure: { url: `https://127.0.0.1:${proxyPort}`, username, password, caPem, caFile },
      startupMs: { engine: engineMs, proxy: proxyMs },
      home: inst.home,
      javaHome: inst.javaHome,
      output: () => engineGroup.output(),
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
