// Manifests as Stash's docs and KubeDB write them must parse (with Stash's defaults); broken ones must fail
// with the kind/name and the exact field path.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ValidationError } from '../errors.ts';
import type { KindName } from './kinds.ts';
import { parseObject, type ObjectOf } from './validate.ts';

const doc = (text: string): unknown => parse(text);

/** Parses `raw`, which must be of `kind`. */
function parseKind<K extends KindName>(kind: K, raw: unknown): ObjectOf<K> {
  const obj = parseObject(raw, 'test.yaml');
  expect(obj.kind).toBe(kind);
  return obj as ObjectOf<K>;
}

function validationError(raw: unknown): ValidationError {
  try {
    parseObject(raw, 'test.yaml');
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

/** A manifest as Stash's docs write one, in namespace demo; `spec` is its indented spec. */
const inDemo = (apiVersion: string, kind: string, name: string, spec: string) => `
apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${name}
  namespace: demo
spec:${spec}`;

/** An invoker's repository (gcs-repo) and its target, an AppBinding. */
const fromGcsRepo = (appBinding: string) => `  repository:
    name: gcs-repo
  target:
    ref:
      apiVersion: appcatalog.appscode.com/v1alpha1
      kind: AppBinding
      name: ${appBinding}`;

/** A Task or Function of the catalog (cluster-scoped), as Stash's addons ship them. */
const catalogObject = (kind: string, spec: string) => `
apiVersion: stash.appscode.com/v1beta1
kind: ${kind}
metadata:
  name: elasticsearch-backup-7.3.2
spec:${spec}`;

const repository = (name: string, spec: string) =>
  inDemo('stash.appscode.com/v1alpha1', 'Repository', name, spec);

const repositoryS3 = repository(
  's3-repo',
  `
  backend:
    s3:
      endpoint: s3.amazonaws.com
      bucket: stash-demo
      region: us-west-1
      prefix: /demo/elasticsearch/sample-elasticsearch
    storageSecretName: s3-secret
`,
);

const repositoryGcs = repository(
  'gcs-repo',
  `
  backend:
    gcs:
      bucket: stash-testing
      prefix: /demo/elasticsearch/sample-elasticsearch
    storageSecretName: gcs-secret
  usagePolicy:
    allowedNamespaces:
      from: Selector
      selector:
        matchLabels:
          kubernetes.io/metadata.name: prod
`,
);

const repositoryLocal = repository(
  'local-repo',
  `
  backend:
    local:
      mountPath: /safe/data
      persistentVolumeClaim:
        claimName: stash-backend
    storageSecretName: local-secret
  usagePolicy:
    allowedNamespaces: {}
`,
);

const repositoryRest = repository(
  'rest-repo',
  `
  backend:
    rest:
      url: http://rest-server.demo.svc:8000/stash-backup-demo
    storageSecretName: rest-secret
  wipeOut: true
`,
);

const backupConfiguration = inDemo(
  'stash.appscode.com/v1beta1',
  'BackupConfiguration',
  'sample-elasticsearch-backup',
  `
  schedule: "*/5 * * * *"
  task:
    name: elasticsearch-backup-7.3.2
    params:
    - name: args
      value: --match=^(?![.])(?!searchguard).+
${fromGcsRepo('sample-elasticsearch')}
  interimVolumeTemplate:
    metadata:
      name: sample-elasticsearch-backup-tmp-storage
    spec:
      accessModes: [ "ReadWriteOnce" ]
      storageClassName: "standard"
      resources:
        requests:
          storage: 1Gi
  runtimeSettings:
    pod:
      securityContext:
        fsGroup: 65534
  tempDir:
    sizeLimit: 2Gi
  retentionPolicy:
    name: keep-last-5
    keepLast: 5
`,
);

const restoreSession = inDemo(
  'stash.appscode.com/v1beta1',
  'RestoreSession',
  'sample-elasticsearch-restore',
  `
  task:
    name: elasticsearch-restore-7.3.2
${fromGcsRepo('restored-elasticsearch')}
    rules:
    - targetHosts: ["host-0"]
      sourceHost: "host-3"
      snapshots: ["latest"]
    - snapshots: [latest]
  interimVolumeTemplate:
    metadata:
      name: restore-tmp-storage
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
  timeOut: 1h30m
`,
);

const appBinding = `
apiVersion: appcatalog.appscode.com/v1alpha1
kind: AppBinding
metadata:
  name: sample-elasticsearch
  namespace: demo
  labels:
    app.kubernetes.io/component: database
    app.kubernetes.io/instance: sample-elasticsearch
    app.kubernetes.io/managed-by: kubedb.com
    app.kubernetes.io/name: elasticsearches.kubedb.com
  ownerReferences:
  - apiVersion: kubedb.com/v1alpha2
    blockOwnerDeletion: true
    controller: true
    kind: Elasticsearch
    name: sample-elasticsearch
    uid: 6f1c5a5e-2b55-4c1c-9f3a-2b4b9c1e7a10
spec:
  appRef:
    apiGroup: kubedb.com
    kind: Elasticsearch
    name: sample-elasticsearch
    namespace: demo
  clientConfig:
    service:
      name: sample-elasticsearch
      port: 9200
      scheme: http
  parameters:
    apiVersion: appcatalog.appscode.com/v1alpha1
    kind: StashAddon
    stash:
      addon:
        backupTask:
          name: elasticsearch-backup-7.3.2
          params:
          - name: args
            value: --match=^(?![.])(?!searchguard).+
        restoreTask:
          name: elasticsearch-restore-7.3.2
  secret:
    name: sample-elasticsearch-elastic-cred
  secretTransforms:
  - renameKey:
      from: username
      to: ADMIN_USERNAME
  - renameKey:
      from: password
      to: ADMIN_PASSWORD
  type: kubedb.com/elasticsearch
  version: 7.3.2
`;

const task = catalogObject(
  'Task',
  `
  steps:
  - name: elasticsearch-backup-7.3.2
    params:
    - name: outputDir
      value: /stash-tmp/output
  - name: update-status
    params:
    - name: outputDir
      value: /stash-tmp/output
  volumes:
  - name: \${TMP_VOLUME}
    emptyDir: {}
`,
);

const stashFunction = catalogObject(
  'Function',
  `
  image: ghcr.io/stashed/stash-elasticsearch:7.3.2-v38
  args:
  - backup-es
  - --provider=\${REPOSITORY_PROVIDER:=}
  - --bucket=\${REPOSITORY_BUCKET:=}
  - --max-connections=\${MAX_CONNECTIONS:=0}
  - --enable-cache=\${ENABLE_CACHE:=true}
  volumeMounts:
  - name: \${secretVolume}
    mountPath: /etc/stash/repository/secret
`,
);

const backupSession = `
apiVersion: stash.appscode.com/v1beta1
kind: BackupSession
metadata:
  name: sample-elasticsearch-backup-1561974001
  namespace: demo
spec:
  invoker:
    kind: BackupConfiguration
    name: sample-elasticsearch-backup
status:
  phase: Succeeded
  sessionDuration: 54s
  targets:
  - ref:
      apiVersion: appcatalog.appscode.com/v1alpha1
      kind: AppBinding
      name: sample-elasticsearch
    totalHosts: 1
    phase: Succeeded
    stats:
    - hostname: host-0
      phase: Succeeded
      duration: 15.36s
      snapshots:
      - name: 3eae8c35
        path: /stash-tmp/snapshot
        totalSize: 3.801 KiB
        uploaded: 3.408 MiB
        processingTime: 0:04
        fileStats: { totalFiles: 3, newFiles: 3, modifiedFiles: 0, unmodifiedFiles: 0 }
`;

describe('valid Stash manifests', () => {
  it.each([
    ['Repository on s3', repositoryS3],
    ['Repository on gcs', repositoryGcs],
    ['Repository on local', repositoryLocal],
    ['Repository on rest', repositoryRest],
    ['BackupConfiguration for an Elasticsearch AppBinding', backupConfiguration],
    ['RestoreSession with rules', restoreSession],
    ['AppBinding created by KubeDB', appBinding],
    ['Task', task],
    ['Function', stashFunction],
    ['BackupSession with status', backupSession],
  ])('%s parses', (_name, text) => {
    expect(() => parseObject(doc(text), 'test.yaml')).not.toThrow();
  });

  it('BackupConfiguration gets Stash defaults', () => {
    const bc = parseKind('BackupConfiguration', doc(backupConfiguration));
    expect(bc.spec.backupHistoryLimit).toBe(1);
    expect(bc.spec.driver).toBe('Restic');
    expect(bc.spec.retentionPolicy).toEqual({ name: 'keep-last-5', keepLast: 5, prune: false });
    expect(bc.spec.task?.name).toBe('elasticsearch-backup-7.3.2');
    expect(bc.spec.target?.ref.kind).toBe('AppBinding');
    expect(bc.spec.interimVolumeTemplate?.metadata?.name).toBe('sample-elasticsearch-backup-tmp-storage');
    // Embedded Kubernetes types are carried through untouched.
    expect(bc.spec.interimVolumeTemplate?.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'standard',
      resources: { requests: { storage: '1Gi' } },
    });
    expect(bc.spec.runtimeSettings?.pod).toEqual({ securityContext: { fsGroup: 65534 } });
    expect(bc.spec.tempDir?.sizeLimit).toBe('2Gi');
  });

  it('retryConfig and hooks get Stash defaults', () => {
    const raw = doc(backupConfiguration) as { spec: Record<string, unknown> };
    raw.spec.retryConfig = { delay: '10m' };
    raw.spec.hooks = {
      postBackup: { exec: { command: ['/bin/sh', '-c', 'echo done'] }, containerName: 'es' },
    };
    const bc = parseKind('BackupConfiguration', raw);
    expect(bc.spec.retryConfig).toEqual({ maxRetry: 1, delay: '10m' });
    expect(bc.spec.hooks?.postBackup).toEqual({
      exec: { command: ['/bin/sh', '-c', 'echo done'] },
      containerName: 'es',
      executionPolicy: 'Always',
    });
  });

  it('Repository usagePolicy defaults to Same', () => {
    const repo = parseKind('Repository', doc(repositoryLocal));
    expect(repo.spec.usagePolicy?.allowedNamespaces?.from).toBe('Same');
    expect(repo.spec.backend.local).toEqual({
      mountPath: '/safe/data',
      persistentVolumeClaim: { claimName: 'stash-backend' },
    });
    const selector = parseKind('Repository', doc(repositoryGcs));
    expect(selector.spec.usagePolicy?.allowedNamespaces).toEqual({
      from: 'Selector',
      selector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } },
    });
  });

  it('AppBinding keeps the addon, the transforms and free parameters', () => {
    const ab = parseKind('AppBinding', doc(appBinding));
    expect(ab.spec.parameters?.stash?.addon?.backupTask).toEqual({
      name: 'elasticsearch-backup-7.3.2',
      params: [{ name: 'args', value: '--match=^(?![.])(?!searchguard).+' }],
    });
    expect(ab.spec.parameters?.stash?.addon?.restoreTask?.name).toBe('elasticsearch-restore-7.3.2');
    expect(ab.spec.parameters).toMatchObject({ kind: 'StashAddon' });
    expect(ab.spec.secret).toEqual({ name: 'sample-elasticsearch-elastic-cred', kind: 'Secret' });
    expect(ab.spec.secretTransforms).toHaveLength(2);
    expect(ab.spec.clientConfig.service).toEqual({
      name: 'sample-elasticsearch',
      port: 9200,
      scheme: 'http',
    });
  });

  it('BackupSession invoker apiGroup defaults to stash.appscode.com', () => {
    const bs = parseKind('BackupSession', doc(backupSession));
    expect(bs.spec.invoker.apiGroup).toBe('stash.appscode.com');
    expect(bs.status?.targets?.[0]?.stats?.[0]?.snapshots?.[0]?.fileStats?.totalFiles).toBe(3);
  });

  it.each(['30s', '10m', '1h30m', '1.5h', '0', '500ms', '2µs'])(
    'accepts the Go duration %s as timeOut',
    (timeOut) => {
      const raw = doc(backupConfiguration) as { spec: Record<string, unknown> };
      raw.spec.timeOut = timeOut;
      expect(parseKind('BackupConfiguration', raw).spec.timeOut).toBe(timeOut);
    },
  );

  it('a VolumeSnapshotter BackupConfiguration needs no repository', () => {
    const raw = doc(backupConfiguration) as { spec: Record<string, unknown> };
    raw.spec.driver = 'VolumeSnapshotter';
    delete raw.spec.repository;
    expect(parseKind('BackupConfiguration', raw).spec.repository).toBeUndefined();
  });
});

const DROP = Symbol('drop');

/** Sets (or, with DROP, deletes) the value at a dotted path; numeric steps index arrays. */
function edit(raw: unknown, path: string, value: unknown): void {
  const steps = path.split('.');
  let node = raw as Record<string, unknown>;
  for (const step of steps.slice(0, -1)) node = node[step] as Record<string, unknown>;
  const last = steps.at(-1)!;
  if (value === DROP) delete node[last];
  else node[last] = value;
}

// [case, manifest, field to change, new value (or DROP), issue path, issue message]
const invalid: [string, string, string, unknown, string, RegExp | string][] = [
  [
    'no backend provider',
    repositoryS3,
    'spec.backend.s3',
    DROP,
    'spec.backend',
    /^exactly one of local, s3, gcs, azure, swift, b2, rest must be set \(found none\)$/,
  ],
  [
    'two backend providers',
    repositoryS3,
    'spec.backend.gcs',
    { bucket: 'b' },
    'spec.backend',
    /exactly one of .* \(found s3, gcs\)/,
  ],
  [
    'local mountPath /stash',
    repositoryLocal,
    'spec.backend.local.mountPath',
    '/stash',
    'spec.backend.local.mountPath',
    'mountPath must not be /stash or below it',
  ],
  [
    'local mountPath under /stash',
    repositoryLocal,
    'spec.backend.local.mountPath',
    '/stash/data',
    'spec.backend.local.mountPath',
    'mountPath must not be /stash or below it',
  ],
  [
    'wipeOut on local',
    repositoryLocal,
    'spec.wipeOut',
    true,
    'spec.wipeOut',
    'wipeOut is not supported for local and b2 backends',
  ],
  [
    'rest url not a URL',
    repositoryRest,
    'spec.backend.rest.url',
    'not a url',
    'spec.backend.rest.url',
    /expected a URL/,
  ],
  [
    's3 without bucket',
    repositoryS3,
    'spec.backend.s3.bucket',
    DROP,
    'spec.backend.s3.bucket',
    /expected string/,
  ],
  [
    'usagePolicy from unknown',
    repositoryGcs,
    'spec.usagePolicy.allowedNamespaces.from',
    'Everyone',
    'spec.usagePolicy.allowedNamespaces.from',
    /"All"\|"Selector"\|"Same"/,
  ],
  [
    'retentionPolicy without name',
    backupConfiguration,
    'spec.retentionPolicy.name',
    DROP,
    'spec.retentionPolicy.name',
    /expected string/,
  ],
  [
    'no retentionPolicy',
    backupConfiguration,
    'spec.retentionPolicy',
    DROP,
    'spec.retentionPolicy',
    /expected object/,
  ],
  [
    'timeOut not a duration',
    backupConfiguration,
    'spec.timeOut',
    '2 hours',
    'spec.timeOut',
    /expected a duration/,
  ],
  [
    'Restic without repository',
    backupConfiguration,
    'spec.repository',
    DROP,
    'spec.repository',
    'repository is required when driver is Restic',
  ],
  [
    'unknown driver',
    backupConfiguration,
    'spec.driver',
    'Kopia',
    'spec.driver',
    /"Restic"\|"VolumeSnapshotter"/,
  ],
  [
    'keepLast not an integer',
    backupConfiguration,
    'spec.retentionPolicy.keepLast',
    2.5,
    'spec.retentionPolicy.keepLast',
    /int/,
  ],
  ['target without ref', backupConfiguration, 'spec.target.ref', DROP, 'spec.target.ref', /expected object/],
  [
    'retry delay not a duration',
    backupConfiguration,
    'spec.retryConfig',
    { delay: 'soon' },
    'spec.retryConfig.delay',
    /expected a duration/,
  ],
  [
    'postBackup unknown executionPolicy',
    backupConfiguration,
    'spec.hooks',
    { postBackup: { executionPolicy: 'Sometimes' } },
    'spec.hooks.postBackup.executionPolicy',
    /"Always"/,
  ],
  [
    'two catch-all restore rules',
    restoreSession,
    'spec.target.rules.2',
    { snapshots: ['abc123'] },
    'spec.target.rules',
    'at most one rule may have empty targetHosts',
  ],
  [
    'a host in two rules',
    restoreSession,
    'spec.target.rules.2',
    { targetHosts: ['host-0'], snapshots: ['x'] },
    'spec.target.rules',
    'host "host-0" matches more than one rule',
  ],
  [
    'deprecated spec.rules with two catch-alls',
    restoreSession,
    'spec.rules',
    [{}, { paths: ['/a'] }],
    'spec.rules',
    'at most one rule may have empty targetHosts',
  ],
  [
    'rule with snapshots and paths',
    restoreSession,
    'spec.target.rules.0.paths',
    ['/data'],
    'spec.target.rules[0]',
    'a rule may set snapshots or paths, not both',
  ],
  [
    'restore timeOut not a duration',
    restoreSession,
    'spec.timeOut',
    '90',
    'spec.timeOut',
    /expected a duration/,
  ],
  [
    'restore without repository',
    restoreSession,
    'spec.repository',
    DROP,
    'spec.repository',
    'repository is required when driver is Restic',
  ],
  [
    'AppBinding without clientConfig target',
    appBinding,
    'spec.clientConfig',
    {},
    'spec.clientConfig',
    'either url or service must be set',
  ],
  [
    'AppBinding service port a string',
    appBinding,
    'spec.clientConfig.service.port',
    'http',
    'spec.clientConfig.service.port',
    /expected number/,
  ],
  ['Task without steps', task, 'spec.steps', [], 'spec.steps', 'a Task needs at least one step'],
  [
    'Task step without a name',
    task,
    'spec.steps.1.name',
    DROP,
    'spec.steps[1].name',
    /is required \(expected string\)/,
  ],
  [
    'Function without image',
    stashFunction,
    'spec.image',
    DROP,
    'spec.image',
    /is required \(expected string\)/,
  ],
  [
    'BackupSession with an unknown invoker kind',
    backupSession,
    'spec.invoker.kind',
    'CronJob',
    'spec.invoker.kind',
    /"BackupConfiguration"\|"BackupBatch"/,
  ],
  [
    'BackupSession with an unknown phase',
    backupSession,
    'status.phase',
    'Done',
    'status.phase',
    /"Succeeded"/,
  ],
  [
    'wrong apiVersion',
    backupConfiguration,
    'apiVersion',
    'stash.appscode.com/v1alpha1',
    'apiVersion',
    'expected "stash.appscode.com/v1beta1" for kind BackupConfiguration, got "stash.appscode.com/v1alpha1"',
  ],
  ['missing apiVersion', repositoryS3, 'apiVersion', DROP, 'apiVersion', /got undefined/],
  [
    'unsupported kind',
    backupConfiguration,
    'kind',
    'BackupBlueprint',
    'kind',
    /^unsupported kind "BackupBlueprint"; expected one of Repository, /,
  ],
  ['missing name', repositoryS3, 'metadata.name', DROP, 'metadata.name', 'a name is required'],
];

describe('invalid manifests name the object and the field', () => {
  it.each(invalid)('%s', (_name, text, field, value, path, message) => {
    const raw = doc(text) as { kind: string; metadata: { name?: string } };
    edit(raw, field, value);
    const subject = `test.yaml: ${raw.kind}/${raw.metadata.name ?? '<no name>'}`;
    const err = validationError(raw);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.subject).toBe(subject);
    const issue = err.issues.find((i) => i.path === path);
    expect(issue, `issues were ${JSON.stringify(err.issues)}`).toBeDefined();
    if (typeof message === 'string') expect(issue!.message).toBe(message);
    else expect(issue!.message).toMatch(message);
    expect(err.message).toContain(`${subject} is invalid:`);
    expect(err.message).toContain(`  - ${path}: `);
  });

  it('reports every wrong field at once', () => {
    const raw = doc(backupConfiguration) as { spec: Record<string, unknown> };
    raw.spec.timeOut = 'later';
    raw.spec.retentionPolicy = { keepLast: 5 };
    raw.spec.backupHistoryLimit = 'one';
    const paths = validationError(raw)
      .issues.map((i) => i.path)
      .sort();
    expect(paths).toEqual(['spec.backupHistoryLimit', 'spec.retentionPolicy.name', 'spec.timeOut']);
  });

  it('a generateName is enough for a name', () => {
    const raw = doc(backupSession) as { metadata: Record<string, unknown> };
    raw.metadata = { generateName: 'sample-elasticsearch-backup-', namespace: 'demo' };
    expect(parseKind('BackupSession', raw).metadata.generateName).toBe('sample-elasticsearch-backup-');
  });

  it('non-objects are rejected with a readable subject', () => {
    for (const raw of [null, 'a string', 42, []]) {
      const err = validationError(raw);
      expect(err.subject).toBe('test.yaml: <no kind>/<no name>');
      expect(err.issues[0]?.path).toBe('kind');
    }
  });
});
