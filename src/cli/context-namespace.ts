/**
 * The namespace a command uses when `-n` is not given. Standalone: `default`. Kubernetes: the
 * namespace of the kubeconfig's current context, as kubectl does — or, inside a pod, the pod's own
 * (its service-account namespace file) — and `default` when neither names one.
 * Read with a plain YAML parse (loaded only when a kubeconfig file exists): the Kubernetes client
 * library is not loaded for this, and an in-job step in a pod reads one small file.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEFAULT_NAMESPACE } from '../api/well-known.ts';
import type { Config } from './config.ts';

const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<{ name?: string; context?: { namespace?: string } }>;
}

export async function defaultNamespace(
  config: Pick<Config, 'runtime' | 'kubeconfig'>,
  home = homedir(),
): Promise<string> {
  if (config.runtime !== 'kubernetes') return DEFAULT_NAMESPACE;
  const files = config.kubeconfig
    ? config.kubeconfig.split(delimiter).filter(Boolean)
    : [join(home, '.kube/config')];
  // kubectl merges the files; the first one that sets current-context wins.
  const texts = files.map(readText).filter((t): t is string => t !== undefined);
  const parse = texts.length > 0 ? (await import('yaml')).parse : undefined;
  const parsed = texts
    .map((t) => parseKubeconfig(t, parse!))
    .filter((f): f is KubeconfigFile => f !== undefined);
  const current = parsed.find((f) => f['current-context'])?.['current-context'];
  if (current) {
    for (const f of parsed) {
      const ctx = f.contexts?.find((c) => c.name === current);
      if (ctx) return ctx.context?.namespace || DEFAULT_NAMESPACE;
    }
  }
  if (!config.kubeconfig) {
    try {
      return readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim() || DEFAULT_NAMESPACE;
    } catch {
      // not in a pod
    }
  }
  return DEFAULT_NAMESPACE;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseKubeconfig(text: string, parse: (t: string) => unknown): KubeconfigFile | undefined {
  try {
    const v = parse(text);
    return v && typeof v === 'object' ? (v as KubeconfigFile) : undefined;
  } catch {
    return undefined; // kubectl would complain; the store's own loading reports it properly
  }
}
