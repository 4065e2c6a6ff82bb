/**
 * The Helm chart in deploy/helm/stowage for tests: where it is, whether its copies of the generated
 * files (crds/, catalog/) still equal deploy/crds and deploy/catalog, and `helm template` through
 * the pinned helm build (scripts/peers/helm.sh) parsed into objects.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { toolPath } from './tools.ts';

const execFileAsync = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const chartDir = join(repoRoot, 'deploy/helm/stowage');

/** A rendered Kubernetes object, loosely typed: tests read the fields they check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/**
 * Differences between two folders' files (names and bytes), as readable lines; empty when equal.
 * `copy` is the chart's copy, `source` the generated original.
 */
export async function folderDifferences(source: string, copy: string): Promise<string[]> {
  const [a, b] = await Promise.all([readdir(source), readdir(copy)]);
  const out: string[] = [];
  for (const f of a) if (!b.includes(f)) out.push(`missing in the chart: ${f}`);
  for (const f of b) if (!a.includes(f)) out.push(`only in the chart: ${f}`);
  for (const f of a.filter((x) => b.includes(x))) {
    const [x, y] = await Promise.all([readFile(join(source, f)), readFile(join(copy, f))]);
    if (!x.equals(y)) out.push(`differs: ${f}`);
  }
  return out.sort();
}

/** The command that brings the chart's copies up to date, for failure messages. */
export const SYNC_HINT =
  'refresh the chart copies: cp deploy/crds/*.yaml deploy/helm/stowage/crds/ && cp deploy/catalog/*.yaml deploy/helm/stowage/catalog/';

/** Parses a multi-document YAML stream, dropping empty documents (comments only). */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export async function helmBinary(): Promise<string> {
  return toolPath('helm');
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with `args`; never throws on a non-zero exit (the tests check failures too). */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const bin = await helmBinary();
  // A private HELM_* home: no user repositories, plugins or cache leak into the test.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HELM_CACHE_HOME: join(repoRoot, '.tmp/helm/cache'),
    HELM_CONFIG_HOME: join(repoRoot, '.tmp/helm/config'),
    HELM_DATA_HOME: join(repoRoot, '.tmp/helm/data'),
  };
  try {
    const { stdout, stderr } = await execFileAsync(bin, [...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}

export const RELEASE = 'stowage';
export const NAMESPACE = 'stowage';

/** `helm template stowage <chart> -n stowage <extra>` as objects; throws with helm's stderr on failure. */
export async function renderChart(extra: readonly string[] = []): Promise<K8sObject[]> {
  const r = await helm(['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...extra]);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}):\n${r.stderr}`);
  return parseObjects(r.stdout);
}

/** The one object of `kind` named `name`; throws when absent (with what was rendered). */
export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) {
    const have = objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ');
    throw new Error(`no ${kind}/${name} rendered; have: ${have}`);
  }
  return o;
}

/** Every document of the YAML files in `dir` (sorted by file name), as objects. */
export async function objectsInFolder(dir: string): Promise<K8sObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const out: K8sObject[] = [];
  for (const f of files) out.push(...parseObjects(await readFile(join(dir, f), 'utf8')));
  return out;
}
