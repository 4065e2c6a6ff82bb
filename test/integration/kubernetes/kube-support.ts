/**
 * What the Kubernetes runtime's integration tests share: a real control plane from the harness,
 * Stowage's CRDs installed from deploy/crds (waited on until Established), the runtime's clients
 * over the harness kubeconfig, a fresh namespace per test, and a polling helper.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  AuthorizationV1Api,
  loadYaml,
  type V1CustomResourceDefinition,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { startKubeCluster, type KubeCluster, type KubeClusterOptions } from '../../harness/kube-cluster.ts';
import {
  loadKubeConfig,
  makeKubeClients,
  type KubeClients,
} from '../../../src/runtime/kubernetes/kube-client.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface KubeTestEnv {
  cluster: KubeCluster;
  clients: KubeClients;
}

export async function startKubeTestEnv(options?: KubeClusterOptions): Promise<KubeTestEnv> {
  const cluster = await startKubeCluster(options);
  try {
    const clients = makeKubeClients(loadKubeConfig(cluster.kubeconfigPath));
    await installCrds(clients);
    return { cluster, clients };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

/** Every CRD of deploy/crds, then waits until each is Established (served). */
export async function installCrds(clients: KubeClients): Promise<void> {
  const api = clients.kubeConfig.makeApiClient(ApiextensionsV1Api);
  const dir = join(root, 'deploy/crds');
  const names: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    // loadYaml gives the typed model, which the typed API serializes back faithfully
    // (x-kubernetes-* keys included); a plain object would lose those.
    const crd = loadYaml<V1CustomResourceDefinition>(await readFile(join(dir, file), 'utf8'));
    await api.createCustomResourceDefinition({ body: crd });
    names.push(crd.metadata?.name ?? '');
  }
  for (const name of names) {
    await eventually(`CRD ${name} Established`, async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
  }
}

let nsCounter = 0;
/** A new namespace (names are unique per process). */
export async function newNamespace(clients: KubeClients, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++nsCounter}`;
  await clients.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Polls `fn` every 200 ms until it returns something other than undefined. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Whether ServiceAccount `sa` of `namespace` may do `attrs`, asked of the API server's own RBAC
 * authorizer (a SubjectAccessReview), so the Roles we create are checked as the cluster sees them.
 */
export async function serviceAccountCan(
  clients: KubeClients,
  namespace: string,
  sa: string,
  attrs: V1ResourceAttributes,
): Promise<boolean> {
  const api = clients.kubeConfig.makeApiClient(AuthorizationV1Api);
  const review = await api.createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${namespace}:${sa}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { namespace, ...attrs },
      },
    },
  });
  return review.status?.allowed ?? false;
}
