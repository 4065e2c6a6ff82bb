/**
 * The operator chart (deploy/helm/stowage) through the real helm (3.19.5, built by
 * scripts/peers/helm.sh): it lints, renders with the default values and with the options users
 * flip, its RBAC is the least the operator needs, its values schema rejects bad input with helm's
 * own error, and what it installs as CRDs and catalog equals the generated deploy/ files.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  chartDir,
  find,
  folderDifferences,
  helm,
  NAMESPACE,
  objectsInFolder,
  parseObjects,
  renderChart,
  repoRoot,
  SYNC_HINT,
  type K8sObject,
} from '../../harness/helm-chart.ts';
import { cronJobRules, jobRules } from '../../../src/runtime/kubernetes/rbac-manifests.ts';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: object }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: object }[];
  imagePullSecrets?: { name: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  affinity?: object;
}

const rulesOf = (o: K8sObject) => (o.rules ?? []) as PolicyRule[];
const podOf = (objects: K8sObject[]) => {
  const d = find(objects, 'Deployment', 'stowage') as K8sObject & {
    spec: {
      replicas: number;
      template: { metadata: { annotations?: object; labels: object }; spec: PodSpec };
    };
  };
  return { deployment: d, pod: d.spec.template.spec, meta: d.spec.template.metadata };
};
const container = (pod: PodSpec, name: string) => {
  const c = pod.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
/** Whether some rule of `rules` allows `verb` on `group`/`resource`. */
const allows = (rules: PolicyRule[], group: string, resource: string, verb: string) =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
const withoutLabels = (o: K8sObject) => ({ ...o, metadata: { ...o.metadata, labels: undefined } });

let defaults: K8sObject[];
let work: string;

beforeAll(async () => {
  defaults = await renderChart();
  work = await mkdtemp(join(tmpdir(), 'stowage-helm-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('helm lint', () => {
  it('passes --strict with the default values and with the Pushgateway sidecar', async () => {
    for (const extra of [[], ['--set', 'pushgateway.enabled=true,catalog.enabled=false']]) {
      const r = await helm(['lint', '--strict', chartDir, ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('is the pinned helm', async () => {
    const r = await helm(['version', '--short']);
    expect(r.stdout.trim()).toMatch(/^v3\.19\.5/);
  });
});

describe('helm template with the default values', () => {
  it('renders the operator, its RBAC, Service and the catalog, in the release namespace', () => {
    const kinds = new Map<string, string[]>();
    for (const o of defaults) kinds.set(o.kind, [...(kinds.get(o.kind) ?? []), o.metadata.name]);
    expect(kinds.get('ServiceAccount')).toEqual(['stowage']);
    expect(kinds.get('ClusterRole')?.sort()).toEqual(
      ['appscode:stash:edit', 'appscode:stash:view', 'stowage'].sort(),
    );
    expect(kinds.get('ClusterRoleBinding')).toEqual(['stowage']);
    expect(kinds.get('Role')).toEqual(['stowage-leader-election']);
    expect(kinds.get('RoleBinding')).toEqual(['stowage-leader-election']);
    expect(kinds.get('Deployment')).toEqual(['stowage']);
    expect(kinds.get('Service')).toEqual(['stowage']);
    expect(kinds.get('Task')?.length).toBeGreaterThan(0);
    expect(kinds.get('Function')).toContain('update-status');
    // CRDs live in crds/: installed by `helm install`, rendered only with --include-crds.
    expect(kinds.has('CustomResourceDefinition')).toBe(false);
    for (const o of defaults) {
      const namespaced = ['ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'Service'].includes(o.kind);
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespaced ? NAMESPACE : undefined);
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    }
  });

  it('grants the operator what it reconciles with, and no wildcard, escalate or cluster-wide lease', () => {
    const rules = rulesOf(find(defaults, 'ClusterRole', 'stowage'));
    for (const r of rules) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      expect(r.verbs).not.toContain('escalate');
    }
    for (const kind of ['backupconfigurations', 'backupsessions', 'restoresessions', 'repositories']) {
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) {
        expect(allows(rules, 'stash.appscode.com', kind, verb), `${verb} ${kind}`).toBe(true);
      }
      expect(allows(rules, 'stash.appscode.com', `${kind}/status`, 'patch')).toBe(true);
      expect(allows(rules, 'stash.appscode.com', `${kind}/finalizers`, 'update')).toBe(true);
    }
    expect(allows(rules, 'appcatalog.appscode.com', 'appbindings', 'watch')).toBe(true);
    expect(allows(rules, 'appcatalog.appscode.com', 'appbindings', 'update')).toBe(false);
    for (const res of ['jobs', 'cronjobs']) {
      for (const verb of ['create', 'patch', 'delete', 'watch'])
        expect(allows(rules, 'batch', res, verb)).toBe(true);
    }
    // Secrets: read only.
    const secretVerbs = rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(secretVerbs.flatMap((r) => r.verbs).sort()).toEqual(['get', 'list', 'watch']);
    expect(allows(rules, '', 'pods', 'watch')).toBe(true);
    expect(allows(rules, '', 'pods', 'create')).toBe(false);
    for (const res of ['persistentvolumeclaims', 'serviceaccounts'])
      expect(allows(rules, '', res, 'create')).toBe(true);
    expect(allows(rules, '', 'events', 'create')).toBe(true);
    expect(allows(rules, '', 'events', 'patch')).toBe(true);
    for (const res of ['roles', 'rolebindings']) {
      for (const verb of ['get', 'create', 'update', 'delete']) {
        expect(allows(rules, 'rbac.authorization.k8s.io', res, verb)).toBe(true);
      }
    }
    // It creates Roles holding only rules it holds itself: no `bind`, no ClusterRole writes.
    expect(rules.filter((r) => r.verbs.includes('bind'))).toEqual([]);
    expect(allows(rules, 'rbac.authorization.k8s.io', 'clusterroles', 'create')).toBe(false);
    expect(allows(rules, 'coordination.k8s.io', 'leases', 'get')).toBe(false);

    // The Lease: created in the release namespace, then read and renewed by name only.
    const leader = find(defaults, 'Role', 'stowage-leader-election');
    expect(leader.metadata.namespace).toBe(NAMESPACE);
    expect(rulesOf(leader)).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['stowage'],
        verbs: ['get', 'update', 'patch'],
      },
    ]);
    const subject = { kind: 'ServiceAccount', name: 'stowage', namespace: NAMESPACE };
    expect(find(defaults, 'ClusterRoleBinding', 'stowage')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'stowage' },
      subjects: [subject],
    });
    expect(find(defaults, 'RoleBinding', 'stowage-leader-election')).toMatchObject({
      roleRef: { kind: 'Role', name: 'stowage-leader-election' },
      subjects: [subject],
    });
  });

  it("holds every rule it puts in its CronJobs' and Jobs' Roles (so creating them is no escalation)", () => {
    const rules = rulesOf(find(defaults, 'ClusterRole', 'stowage'));
    const granted = [
      ...cronJobRules('bc'),
      ...jobRules({ kind: 'BackupSession', name: 'bs' }),
      ...jobRules({ kind: 'RestoreSession', name: 'rs' }),
    ];
    const missing: string[] = [];
    for (const r of granted) {
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          for (const verb of r.verbs) {
            if (!allows(rules, group, resource, verb)) missing.push(`${verb} ${group}/${resource}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(find(defaults, 'ClusterRole', 'appscode:stash:view').metadata.labels).toMatchObject({
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
    });
  });

  it('runs `stowage operator` non-root on a read-only root filesystem, probed and scraped on 8080', () => {
    const { deployment, pod } = podOf(defaults);
    expect(deployment.spec.replicas).toBe(1);
    expect(pod.serviceAccountName).toBe('stowage');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers.map((c) => c.name)).toEqual(['operator']);
    const op = container(pod, 'operator');
    expect(op.image).toBe('ghcr.io/stowage/stowage:v0.1.0');
    expect(op.args).toEqual([
      'operator',
      '--listen=0.0.0.0:8080',
      '--leader-elect',
      '--lease-namespace=$(POD_NAMESPACE)',
      '--lease-name=stowage',
    ]);
    const env = envOf(op);
    // --lease-namespace=$(POD_NAMESPACE) expands from this.
    expect(op.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(env.STOWAGE_IMAGE).toBe('ghcr.io/stowage/stowage:v0.1.0');
    expect(env.STOWAGE_LOG_LEVEL).toBe('info');
    expect(env).not.toHaveProperty('STOWAGE_PUSHGATEWAY_URL');
    expect(op.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(op.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(op.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(op.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(op.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(find(defaults, 'Service', 'stowage')).toMatchObject({
      spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }] },
    });
  });
});

describe('helm template with options', () => {
  it('with the Pushgateway sidecar and without the catalog: second container, Service port 9091, Jobs push through the Service', async () => {
    const objects = await renderChart(['--set', 'pushgateway.enabled=true,catalog.enabled=false']);
    expect(objects.filter((o) => o.kind === 'Task' || o.kind === 'Function')).toEqual([]);
    const { pod } = podOf(objects);
    expect(pod.containers.map((c) => c.name)).toEqual(['operator', 'pushgateway']);
    const pg = container(pod, 'pushgateway');
    expect(pg.image).toBe('docker.io/prom/pushgateway:v1.11.1');
    expect(pg.ports).toEqual([{ name: 'pushgateway', containerPort: 9091, protocol: 'TCP' }]);
    expect(pg.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(pg.volumeMounts?.[0]?.name).toBe('pushgateway-data');
    expect(envOf(container(pod, 'operator')).STOWAGE_PUSHGATEWAY_URL).toBe(
      `http://stowage.${NAMESPACE}.svc:9091`,
    );
    const service = find(objects, 'Service', 'stowage') as K8sObject & {
      spec: { ports: { name: string; port: number }[] };
    };
    expect(service.spec.ports.map((p) => [p.name, p.port])).toEqual([
      ['http', 8080],
      ['pushgateway', 9091],
    ]);
  });

  it('passes an external Pushgateway to the Jobs when the sidecar is off', async () => {
    const url = 'http://pushgateway.monitoring.svc:9091';
    const { pod } = podOf(await renderChart(['--set', `pushgateway.url=${url}`]));
    expect(pod.containers).toHaveLength(1);
    expect(envOf(container(pod, 'operator')).STOWAGE_PUSHGATEWAY_URL).toBe(url);
  });

  it('applies image, scheduling and pod metadata values', async () => {
    const values = join(work, 'values.yaml');
    await writeFile(
      values,
      stringify({
        replicaCount: 2,
        image: {
          registry: 'registry.example.com/team',
          repository: 'stowage-custom',
          tag: 'v9.9.9',
          pullPolicy: 'Always',
        },
        imagePullSecrets: [{ name: 'pull' }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'backup', effect: 'NoSchedule' }],
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        },
        podAnnotations: { 'example.com/team': 'db' },
        serviceAccount: { name: 'custom-sa' },
        logLevel: 'debug',
      }),
    );
    const objects = await renderChart(['-f', values]);
    const { deployment, pod, meta } = podOf(objects);
    expect(deployment.spec.replicas).toBe(2);
    const op = container(pod, 'operator');
    expect(op.image).toBe('registry.example.com/team/stowage-custom:v9.9.9');
    expect(envOf(op)).toMatchObject({
      STOWAGE_IMAGE: 'registry.example.com/team/stowage-custom:v9.9.9',
      STOWAGE_LOG_LEVEL: 'debug',
    });
    expect(pod.imagePullSecrets).toEqual([{ name: 'pull' }]);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.tolerations).toHaveLength(1);
    expect(pod.affinity).toHaveProperty('nodeAffinity');
    expect(meta.annotations).toEqual({ 'example.com/team': 'db' });
    expect(pod.serviceAccountName).toBe('custom-sa');
    expect(find(objects, 'ServiceAccount', 'custom-sa').metadata.namespace).toBe(NAMESPACE);
    expect(find(objects, 'ClusterRoleBinding', 'stowage')).toMatchObject({
      subjects: [{ kind: 'ServiceAccount', name: 'custom-sa', namespace: NAMESPACE }],
    });
  });

  it('without RBAC objects when rbac.create=false, bound to an existing ServiceAccount', async () => {
    const objects = await renderChart([
      '--set',
      'rbac.create=false,serviceAccount.create=false,serviceAccount.name=existing',
    ]);
    expect(objects.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io/'))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    expect(podOf(objects).pod.serviceAccountName).toBe('existing');
  });

  it('renders as a dependency of another chart, where Helm passes `global` values in', async () => {
    const parent = join(work, 'parent');
    await mkdir(join(parent, 'charts'), { recursive: true });
    await cp(chartDir, join(parent, 'charts', 'stowage'), { recursive: true });
    await writeFile(
      join(parent, 'Chart.yaml'),
      stringify({
        apiVersion: 'v2',
        name: 'parent',
        version: '0.1.0',
        dependencies: [{ name: 'stowage', version: '0.1.0' }],
      }),
    );
    const r = await helm([
      'template',
      'stowage',
      parent,
      '--set',
      'global.team=db',
      '--set',
      'stowage.logLevel=debug',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { pod } = podOf(parseObjects(r.stdout));
    expect(envOf(container(pod, 'operator')).STOWAGE_LOG_LEVEL).toBe('debug');
  });
});

describe('values.schema.json', () => {
  const rejects = async (args: string[], message: string) => {
    const r = await helm(['template', 'stowage', chartDir, ...args]);
    expect(r.code, r.stdout).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(r.stderr).toContain(message);
  };

  it('rejects a non-integer replicaCount', () =>
    rejects(['--set', 'replicaCount=abc'], "at '/replicaCount': got string, want integer"));
  it('rejects an unknown top-level key', () =>
    rejects(['--set', 'replicas=2'], "additional properties 'replicas' not allowed"));
  it('rejects an unknown key under image', () =>
    rejects(['--set', 'image.name=x'], "additional properties 'name' not allowed"));
  it('rejects a pull policy Kubernetes does not know', () =>
    rejects(['--set', 'image.pullPolicy=Sometimes'], "at '/image/pullPolicy'"));
  it('rejects a Pushgateway URL that is not http(s)', () =>
    rejects(['--set', 'pushgateway.url=pushgateway:9091'], "at '/pushgateway/url'"));

  it('fails helm lint too', async () => {
    const r = await helm(['lint', chartDir, '--set', 'replicaCount=abc']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("at '/replicaCount': got string, want integer");
  });

  it('requires serviceAccount.name when the chart does not create the ServiceAccount', async () => {
    const r = await helm(['template', 'stowage', chartDir, '--set', 'serviceAccount.create=false']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('serviceAccount.name is required when serviceAccount.create is false');
  });
});

describe('CRDs and catalog stay the generated ones', () => {
  it("the chart's crds/ and catalog/ equal deploy/crds and deploy/catalog byte for byte", async () => {
    expect(await folderDifferences(join(repoRoot, 'deploy/crds'), join(chartDir, 'crds')), SYNC_HINT).toEqual(
      [],
    );
    expect(
      await folderDifferences(join(repoRoot, 'deploy/catalog'), join(chartDir, 'catalog')),
      SYNC_HINT,
    ).toEqual([]);
  });

  it('helm installs exactly the CRDs of deploy/crds', async () => {
    const rendered = (await renderChart(['--include-crds'])).filter(
      (o) => o.kind === 'CustomResourceDefinition',
    );
    const generated = await objectsInFolder(join(repoRoot, 'deploy/crds'));
    const byName = (a: K8sObject, b: K8sObject) => a.metadata.name.localeCompare(b.metadata.name);
    expect(rendered.sort(byName)).toEqual(generated.sort(byName));
    expect(rendered.map((o) => o.metadata.name)).toContain('backupconfigurations.stash.appscode.com');
  });

  it('the rendered catalog is deploy/catalog, object for object, with the chart labels added', async () => {
    const rendered = defaults.filter((o) => o.kind === 'Task' || o.kind === 'Function');
    const generated = await objectsInFolder(join(repoRoot, 'deploy/catalog'));
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    expect(rendered.map(key).sort()).toEqual(generated.map(key).sort());
    const byKey = new Map(generated.map((o) => [key(o), o]));
    for (const o of rendered) {
      expect(withoutLabels(o)).toEqual(withoutLabels(byKey.get(key(o))!));
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'stowage',
        'app.kubernetes.io/instance': 'stowage',
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
    // The ${VAR} placeholders reach the cluster untouched, for the operator to resolve per session.
    expect(find(rendered, 'Function', 'update-status')).toMatchObject({
      spec: {
        image:
          '${STASH_DOCKER_REGISTRY:=ghcr.io/stowage}/${STASH_DOCKER_IMAGE:=stowage}:${STASH_IMAGE_TAG:=v0.1.0}',
      },
    });
  });
});
