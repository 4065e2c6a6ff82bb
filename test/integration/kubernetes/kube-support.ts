/**
 * What the Kubernetes runtime's integration tests share: a real control plane from the harness,
 * Stowage's CRDs installed from deploy/crds (waited on until Established), the runtime's clients
 * and a KubeStore over the harness kubeconfig, a fresh namespace per test, and a polling helper.
 * (No vitest here: bench/ and the e2e harness import this file too; the hooks are in kube-env-hooks.ts.)
 */
import { waitFor } from '../../harness/wait.ts';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  AuthorizationV1Api,
  loadYaml,
  type KubernetesObject,
  type V1CustomResourceDefinition,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { startKubeCluster, type KubeCluster, type KubeClusterOptions } from '../../harness/kube-cluster.ts';
import {
  loadKubeConfig,
  makeKubeClients,
  type KubeClients,
} from '../../../src/runtime/kubernetes/kube-client.ts';
import { KubeStore } from '../../../src/runtime/kubernetes/kube-store.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface KubeTestEnv {
  cluster: KubeCluster;
  clients: KubeClients;
  /** The runtime's Store over `clients`. */
  store: KubeStore;
}

export async function startKubeTestEnv(options?: KubeClusterOptions): Promise<KubeTestEnv> {
  const cluster = await startKubeCluster(options);
  try {
    const clients = makeKubeClients(loadKubeConfig(cluster.kubeconfigPath));
    await installCrds(clients);
    return { cluster, clients, store: new KubeStore({ clients }) };
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

/** `obj` moved to `namespace` (the shared object builders put theirs in one fixed namespace). */
export function inNamespace<T extends { metadata: { namespace?: string } }>(namespace: string, obj: T): T {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

/** Polls `fn` every 200 ms until it returns something other than undefined. */
export function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  return waitFor(what, fn, { timeoutMs, intervalMs: 200 });
}

/** The namespaced lists eventuallyCollected can read, by kind. */
const namespacedLists = {
  CronJob: (c: KubeClients, namespace: string) => c.batch.listNamespacedCronJob({ namespace }),
  Job: (c: KubeClients, namespace: string) => c.batch.listNamespacedJob({ namespace }),
  Pod: (c: KubeClients, namespace: string) => c.core.listNamespacedPod({ namespace }),
  PersistentVolumeClaim: (c: KubeClients, namespace: string) =>
    c.core.listNamespacedPersistentVolumeClaim({ namespace }),
  ServiceAccount: (c: KubeClients, namespace: string) => c.core.listNamespacedServiceAccount({ namespace }),
  Role: (c: KubeClients, namespace: string) => c.rbac.listNamespacedRole({ namespace }),
  RoleBinding: (c: KubeClients, namespace: string) => c.rbac.listNamespacedRoleBinding({ namespace }),
} satisfies Record<string, (c: KubeClients, namespace: string) => Promise<{ items: KubernetesObject[] }>>;

/**
 * Polls until no object of `kinds` in `namespace` for which `counts` holds is left: what the
 * garbage collector takes once an owner is deleted.
 */
export async function eventuallyCollected(
  clients: KubeClients,
  namespace: string,
  kinds: Array<keyof typeof namespacedLists>,
  counts: (kind: keyof typeof namespacedLists, obj: KubernetesObject) => boolean = () => true,
): Promise<void> {
  await eventually(`${kinds.join(', ')} in ${namespace} to be collected`, async () => {
    const lists = await Promise.all(kinds.map((k) => namespacedLists[k](clients, namespace)));
    const left = lists.flatMap((list, i) => list.items.filter((o) => counts(kinds[i]!, o)));
    return left.length === 0 ? true : undefined;
  });
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
