/**
 * Where the test peers' binaries are. Order: an explicit env var (STOWAGE_RESTIC, STOWAGE_MINIO,
 * STOWAGE_REST_SERVER, STOWAGE_FAKE_GCS_SERVER, STOWAGE_ETCD, STOWAGE_KUBE_APISERVER,
 * STOWAGE_KUBE_CONTROLLER_MANAGER, STOWAGE_HELM), else the version-keyed cache path the install scripts use
 * ($STOWAGE_CACHE/tools/<name>-<version>/<name>, versions from scripts/versions.env), else the
 * install script is run (it builds the tool and prints its path).
 */
import { execFile } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

export type Tool =
  | 'restic'
  | 'minio'
  | 'rest-server'
  | 'fake-gcs-server'
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'helm';

const toolInfo: Record<
  Tool,
  { envVar: string; versionKey: string; script: string; defaultVersion?: string }
> = {
  restic: { envVar: 'STOWAGE_RESTIC', versionKey: 'RESTIC_VERSION', script: 'scripts/peers/restic.sh' },
  minio: { envVar: 'STOWAGE_MINIO', versionKey: 'MINIO_VERSION', script: 'scripts/peers/minio.sh' },
  'rest-server': {
    envVar: 'STOWAGE_REST_SERVER',
    versionKey: 'REST_SERVER_VERSION',
    script: 'scripts/peers/rest-server.sh',
  },
  // Not in versions.env yet: the script and this default pin the same version.
  'fake-gcs-server': {
    envVar: 'STOWAGE_FAKE_GCS_SERVER',
    versionKey: 'FAKE_GCS_SERVER_VERSION',
    script: 'scripts/peers/fake-gcs-server.sh',
    defaultVersion: '1.55.1',
  },
  // scripts/peers/kubernetes.sh builds all three and prints their paths, one a line.
  etcd: { envVar: 'STOWAGE_ETCD', versionKey: 'ETCD_VERSION', script: 'scripts/peers/kubernetes.sh' },
  'kube-apiserver': {
    envVar: 'STOWAGE_KUBE_APISERVER',
    versionKey: 'KUBERNETES_VERSION',
    script: 'scripts/peers/kubernetes.sh',
  },
  'kube-controller-manager': {
    envVar: 'STOWAGE_KUBE_CONTROLLER_MANAGER',
    versionKey: 'KUBERNETES_VERSION',
    script: 'scripts/peers/kubernetes.sh',
  },
  helm: { envVar: 'STOWAGE_HELM', versionKey: 'HELM_VERSION', script: 'scripts/peers/helm.sh' },
};

/** scripts/versions.env as a map (KEY=value lines). */
export async function pinnedVersions(): Promise<Record<string, string>> {
  const text = await readFile(join(root, 'scripts/versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<Tool, Promise<string>>();

/** Absolute path of a peer binary, building it on first use (can take minutes for MinIO). */
export function toolPath(tool: Tool): Promise<string> {
  let p = cache.get(tool);
  if (!p) {
    p = locate(tool);
    cache.set(tool, p);
  }
  return p;
}

async function locate(tool: Tool): Promise<string> {
  const info = toolInfo[tool];
  const fromEnv = process.env[info.envVar];
  if (fromEnv) return fromEnv;
  const version = (await pinnedVersions())[info.versionKey] ?? info.defaultVersion;
  if (version) {
    const stowageCache = process.env.STOWAGE_CACHE ?? join(homedir(), '.cache', 'stowage');
    const cached = join(stowageCache, 'tools', `${tool}-${version}`, tool);
    if (await isExecutable(cached)) return cached;
  }
  const { stdout } = await execFileAsync('bash', [join(root, info.script)], { maxBuffer: 16 * 1024 * 1024 });
  // A script that builds several tools prints one path a line: take this tool's.
  const lines = stdout.trim().split('\n');
  const bin = lines.find((l) => l.endsWith(`/${tool}`)) ?? lines.pop();
  if (!bin) throw new Error(`${info.script} printed no binary path`);
  return bin;
}
