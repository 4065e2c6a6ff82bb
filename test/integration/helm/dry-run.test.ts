/**
 * The chart against a real kube-apiserver (test/harness/kube-cluster.ts, v1.34): its CRDs install
 * and become Established, every object `helm template` renders passes the API server's validation
 * in a server-side dry-run apply with strict field validation (RBAC, Deployment, Service, and the
 * catalog's Tasks/Functions against the CRD schemas), and, once its RBAC is applied, the operator's
 * ServiceAccount (impersonated) may do what the operator does — create the ServiceAccount, Role and
 * RoleBinding of each CronJob and Job exactly as src/runtime/kubernetes/rbac-manifests.ts builds
 * them (the API server refuses a Role granting what its creator does not hold), CronJobs, Jobs,
 * PVCs, Events, its Lease — and is refused the rest (cluster-admin, escalation, Secret and Pod
 * writes, other Leases).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startKubeCluster, type KubeCluster } from '../../harness/kube-cluster.ts';
import { chartDir, NAMESPACE, renderChart, type K8sObject } from '../../harness/helm-chart.ts';
import { describeResponse, RawKubeApi, type ObjectRef } from './raw-api.ts';
import {
  controllerRef,
  cronJobRules,
  jobRules,
  rbacSet,
} from '../../../src/runtime/kubernetes/rbac-manifests.ts';

const FIELD_MANAGER = 'stowage-chart-test';
const APP_NAMESPACE = 'app';
const OPERATOR = `system:serviceaccount:${NAMESPACE}:stowage`;

let cluster: KubeCluster;
let admin: RawKubeApi;
let asOperator: RawKubeApi;
let crds: K8sObject[];

/** Server-side dry-run applies every object; returns the failures as `Kind/name: reason`. */
async function dryRunFailures(objects: K8sObject[]): Promise<string[]> {
  const failures: string[] = [];
  for (const o of objects) {
    const r = await admin.apply(o, { dryRun: true, fieldManager: FIELD_MANAGER });
    if (r.status !== 200 && r.status !== 201)
      failures.push(`${o.kind}/${o.metadata.name}: ${describeResponse(r)}`);
  }
  return failures;
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function lease(namespace: string, name: string): ObjectRef {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace },
    spec: { holderIdentity: 'stowage-0', leaseDurationSeconds: 15 },
  } as ObjectRef;
}

/** The RBAC part of the chart, applied for real, so the API server authorizes the operator with it. */
async function applyChartRbac(): Promise<void> {
  const rbacKinds = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
  for (const o of (await renderChart()).filter((x) => rbacKinds.includes(x.kind))) {
    const r = await admin.apply(o, { fieldManager: FIELD_MANAGER });
    expect(r.status, `${o.kind}/${o.metadata.name}: ${describeResponse(r)}`).toBeLessThan(300);
  }
}

beforeAll(async () => {
  // No controller manager: nothing here needs pods or ServiceAccount tokens, and without its
  // serviceaccount controller the harness disables the ServiceAccount admission plugin.
  cluster = await startKubeCluster({ controllerManager: false });
  const ca = await readFile(cluster.caFile);
  admin = new RawKubeApi(cluster.server, cluster.token, ca);
  asOperator = new RawKubeApi(cluster.server, cluster.token, ca, OPERATOR);
  for (const name of [NAMESPACE, APP_NAMESPACE]) {
    const r = await admin.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { fieldManager: FIELD_MANAGER },
    );
    if (r.status >= 300) throw new Error(`namespace ${name}: ${describeResponse(r)}`);
  }
  crds = [];
  for (const f of (await readdir(join(chartDir, 'crds'))).sort()) {
    crds.push(parse(await readFile(join(chartDir, 'crds', f), 'utf8')) as K8sObject);
  }
});

afterAll(async () => {
  await cluster?.stop();
});

describe('the chart on a real kube-apiserver', () => {
  // What `helm install` does first: the chart's crds/, for real. The later tests need them.
  it('installs its CRDs, which become Established and serve every kind', async () => {
    const failures: string[] = [];
    for (const crd of crds) {
      const r = await admin.apply(crd, { fieldManager: FIELD_MANAGER });
      if (r.status !== 200 && r.status !== 201) failures.push(`${crd.metadata.name}: ${describeResponse(r)}`);
    }
    expect(failures).toEqual([]);
    for (const crd of crds) {
      await eventually(`CRD ${crd.metadata.name} Established`, async () => {
        const r = await admin.get(crd);
        const conditions = (r.body as { status?: { conditions?: { type: string; status: string }[] } }).status
          ?.conditions;
        return (conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
      });
    }
    for (const [apiVersion, kind] of [
      ['stash.appscode.com/v1alpha1', 'Repository'],
      ['stash.appscode.com/v1beta1', 'BackupConfiguration'],
      ['stash.appscode.com/v1beta1', 'BackupSession'],
      ['stash.appscode.com/v1beta1', 'RestoreSession'],
      ['stash.appscode.com/v1beta1', 'Task'],
      ['stash.appscode.com/v1beta1', 'Function'],
      ['appcatalog.appscode.com/v1alpha1', 'AppBinding'],
    ] as const) {
      // Discovery can trail the Established condition by a moment.
      await eventually(`${apiVersion} ${kind} served`, async () => {
        const r = await admin.request('GET', `/apis/${apiVersion}`);
        return r.status === 200 && JSON.stringify(r.body).includes(`"kind":"${kind}"`);
      });
      const r = await admin.list(apiVersion, kind);
      expect(r.status, `${apiVersion} ${kind}: ${describeResponse(r)}`).toBe(200);
    }
  });

  it('accepts every object rendered with the default values in a server-side dry-run apply, and keeps none', async () => {
    const objects = await renderChart();
    expect(objects.length).toBeGreaterThan(20);
    expect(await dryRunFailures(objects)).toEqual([]);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'stowage', namespace: NAMESPACE },
    };
    expect((await admin.get(deployment)).status).toBe(404);
    const fn = {
      apiVersion: 'stash.appscode.com/v1beta1',
      kind: 'Function',
      metadata: { name: 'update-status' },
    };
    expect((await admin.get(fn)).status).toBe(404);
  });

  it('accepts the rendering with the Pushgateway sidecar and custom scheduling values', async () => {
    const values = [
      'pushgateway.enabled=true',
      'catalog.enabled=false',
      'replicaCount=2',
      'nodeSelector.kubernetes\\.io/os=linux',
      'podAnnotations.team=db',
      'imagePullSecrets[0].name=pull',
      'tolerations[0].key=dedicated',
      'tolerations[0].operator=Exists',
    ];
    const objects = await renderChart(['--set', values.join(',')]);
    expect(objects.find((o) => o.kind === 'Deployment')).toBeDefined();
    expect(await dryRunFailures(objects)).toEqual([]);
  });

  it('refuses what strict validation should: the dry run is not a rubber stamp', async () => {
    const objects = await renderChart();
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment')!) as K8sObject & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    deployment.spec.template.spec.containers[0]!.securityContex = { runAsNonRoot: true };
    const fn = structuredClone(objects.find((o) => o.kind === 'Function')!) as K8sObject & { spec: object };
    fn.spec = { args: ['no image'] };
    const failures = await dryRunFailures([deployment, fn]);
    expect(failures).toHaveLength(2);
    // Server-side apply refuses fields outside the schema before field validation even runs.
    expect(failures[0]).toMatch(
      /^Deployment\/stowage: .*securityContex.*(field not declared in schema|unknown field)/,
    );
    expect(failures[1]).toMatch(/spec\.image: Required value/);
  });

  it('lets the operator create the ServiceAccount, Role and RoleBinding of its CronJobs and Jobs, and what they run', async () => {
    await applyChartRbac();
    const ns = APP_NAMESPACE;
    // Exactly what the operator writes (src/runtime/kubernetes/rbac-manifests.ts), for real: the
    // API server refuses a Role with a rule its creator does not hold, and a RoleBinding to it.
    const owner = controllerRef({
      apiVersion: 'stash.appscode.com/v1beta1',
      kind: 'BackupSession',
      name: 'pg-1',
      uid: '00000000-0000-0000-0000-000000000001',
    });
    const labels = { 'app.kubernetes.io/managed-by': 'stash.appscode.com' };
    const sets = [
      rbacSet({
        name: 'backupsession-pg-1-0',
        namespace: ns,
        rules: jobRules({ kind: 'BackupSession', name: 'pg-1' }),
        owner,
        labels,
      }),
      rbacSet({
        name: 'restoresession-pg-0',
        namespace: ns,
        rules: jobRules({ kind: 'RestoreSession', name: 'pg' }),
        owner,
        labels,
      }),
      rbacSet({ name: 'stash-trigger-pg', namespace: ns, rules: cronJobRules('pg'), owner, labels }),
    ];
    const results: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const set of sets) {
      for (const o of [set.serviceAccount, set.role, set.roleBinding]) {
        if (!o) continue;
        const what = `${o.kind}/${o.metadata?.name}`;
        const r = await asOperator.create(o as ObjectRef);
        results[what] = r.status === 201 ? 'created' : describeResponse(r);
        expected[what] = 'created';
      }
    }
    expect(results).toEqual(expected);

    const podTemplate = {
      spec: {
        restartPolicy: 'Never',
        serviceAccountName: 'backupsession-pg-1-0',
        containers: [
          { name: 'backup', image: 'ghcr.io/stowage/stowage:v0.1.0', args: ['backup', 'postgres'] },
        ],
      },
    };
    const objects: ObjectRef[] = [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'stash-trigger-pg', namespace: ns },
        spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate } } },
      } as ObjectRef,
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'stash-backup-pg-1-0', namespace: ns },
        spec: { template: podTemplate },
      } as ObjectRef,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'pg-1-stash-tmp', namespace: ns },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      } as ObjectRef,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'pg.1', namespace: ns },
        involvedObject: { kind: 'BackupConfiguration', name: 'pg', namespace: ns },
        reason: 'CronJobCreated',
        message: 'created',
        type: 'Normal',
      } as ObjectRef,
      lease(NAMESPACE, 'stowage'),
    ];
    for (const o of objects) {
      const r = await asOperator.create(o, { dryRun: true });
      expect(r.status, `${o.kind}/${o.metadata.name}: ${describeResponse(r)}`).toBe(201);
    }
    // Reads: Secrets, Pods, AppBindings, the Stash kinds and Jobs, cluster-wide.
    for (const [apiVersion, kind] of [
      ['v1', 'Secret'],
      ['v1', 'Pod'],
      ['appcatalog.appscode.com/v1alpha1', 'AppBinding'],
      ['stash.appscode.com/v1beta1', 'BackupSession'],
      ['stash.appscode.com/v1beta1', 'Task'],
      ['batch/v1', 'Job'],
      ['batch/v1', 'CronJob'],
    ] as const) {
      const r = await asOperator.list(apiVersion, kind);
      expect(r.status, `list ${kind}: ${describeResponse(r)}`).toBe(200);
    }
    // Its own Lease by name: allowed (not found yet).
    expect((await asOperator.get(lease(NAMESPACE, 'stowage'))).status).toBe(404);
  });

  it('refuses the operator everything else', async () => {
    await applyChartRbac();
    const ns = APP_NAMESPACE;
    const refused: [string, ObjectRef][] = [
      [
        'RoleBinding to cluster-admin',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'admin', namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
        } as ObjectRef,
      ],
      [
        'Role granting more than it holds (Secret deletion)',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'more', namespace: ns },
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['delete'] }],
        } as ObjectRef,
      ],
      [
        'ClusterRole',
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } },
      ],
      ['Lease outside the release namespace', lease(ns, 'stowage')],
      ['Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns } }],
      [
        'Pod',
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', namespace: ns },
          spec: { containers: [{ name: 'c', image: 'example.invalid/x' }] },
        } as ObjectRef,
      ],
    ];
    const results: Record<string, string> = {};
    for (const [what, o] of refused) {
      const r = await asOperator.create(o, { dryRun: true });
      results[what] = r.status === 403 ? 'forbidden' : describeResponse(r);
    }
    expect(results).toEqual(Object.fromEntries(refused.map(([what]) => [what, 'forbidden'])));
    expect((await asOperator.list('v1', 'ConfigMap', ns)).status, 'list ConfigMap').toBe(403);
    // Another Lease of the release namespace, by name.
    expect((await asOperator.get(lease(NAMESPACE, 'someone-else'))).status).toBe(403);
  });
});
