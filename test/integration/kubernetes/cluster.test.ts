/**
 * The test control plane (test/harness/kube-cluster.ts) is a working Kubernetes: a namespace, a
 * Secret and a Job go in through @kubernetes/client-node with the harness kubeconfig, the Job
 * controller creates the Job's Pod (Pending: there is no scheduler or kubelet), and deleting the
 * Job with propagationPolicy=Background lets the garbage collector delete the Pod.
 */
import { BatchV1Api, CoreV1Api, KubeConfig, VersionApi, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from '../../harness/kube-cluster.ts';
import { eventually } from './kube-support.ts';

let cluster: KubeCluster;
let kc: KubeConfig;

beforeAll(async () => {
  cluster = await startKubeCluster();
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('kubernetes test cluster', () => {
  it('reports the pinned version', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.34.4');
    expect(version.major).toBe('1');
    expect(version.minor).toBe('34');
  });

  it('writes a kubeconfig named stowage-test', () => {
    expect(kc.getCurrentContext()).toBe('stowage-test');
    expect(kc.getCurrentCluster()?.server).toBe(cluster.server);
    expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('runs the Job controller and garbage-collects the Job pods', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const batch = kc.makeApiClient(BatchV1Api);
    const namespace = 'stowage-it';
    await core.createNamespace({ body: { metadata: { name: namespace } } });

    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'repo-creds' }, stringData: { RESTIC_PASSWORD: 'secret' } },
    });
    const secret = await core.readNamespacedSecret({ namespace, name: 'repo-creds' });
    expect(Buffer.from(secret.data?.RESTIC_PASSWORD ?? '', 'base64').toString()).toBe('secret');

    const job = await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'backup' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'backup',
                  image: 'example.invalid/stowage:test',
                  envFrom: [{ secretRef: { name: 'repo-creds' } }],
                },
              ],
            },
          },
        },
      },
    });

    const selector = 'batch.kubernetes.io/job-name=backup';
    const pod = await eventually<V1Pod>('the Job pod', async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
      return pods.items[0];
    });
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Job',
      name: 'backup',
      uid: job.metadata?.uid,
      controller: true,
    });
    expect(pod.status?.phase).toBe('Pending');
    // The ServiceAccount admission plugin is on: it set the default ServiceAccount.
    expect(pod.spec?.serviceAccountName).toBe('default');

    await batch.deleteNamespacedJob({ namespace, name: 'backup', propagationPolicy: 'Background' });
    await eventually('the Job pod to be garbage-collected', async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
      return pods.items.length === 0 ? true : undefined;
    });
  });
});
