import { describe, expect, it } from 'vitest';
import type { AppBinding, StashFunction, Task } from '../api/index.ts';
import { mergeParams, resolveAddonInfo, resolveTask } from './resolve-task.ts';

const fnMeta = (name: string) => ({
  apiVersion: 'stash.appscode.com/v1beta1' as const,
  kind: 'Function' as const,
  metadata: { name },
});

const esBackupFn: StashFunction = {
  ...fnMeta('elasticsearch-backup-7.3.2'),
  spec: {
    image: 'ghcr.io/stashed/stash-elasticsearch:7.3.2-v38',
    args: [
      'backup-es',
      '--provider=${REPOSITORY_PROVIDER:=}',
      '--hostname=${HOSTNAME:=}',
      '--interim-data-dir=${INTERIM_DATA_DIR}',
      '--output-dir=${outputDir:=}',
      '--es-args=${args:=}',
      '--image=${ADDON_IMAGE}',
    ],
    volumeMounts: [{ name: '${secretVolume}', mountPath: '/etc/secret' }],
    runtimeSettings: { env: [{ name: 'TARGET', value: '${TARGET_NAME}' }] },
  },
};
const updateStatusFn: StashFunction = {
  ...fnMeta('update-status'),
  spec: {
    image: '${STASH_DOCKER_REGISTRY}/${STASH_DOCKER_IMAGE}:${STASH_IMAGE_TAG}',
    args: ['update-status', '--output-dir=${outputDir:=}', '--backupsession=${BACKUP_SESSION:=}'],
    volumeMounts: [{ name: 'stash-tmp-dir', mountPath: '/tmp/elsewhere' }],
  },
};
const esBackupTask: Task = {
  apiVersion: 'stash.appscode.com/v1beta1',
  kind: 'Task',
  metadata: { name: 'elasticsearch-backup-7.3.2' },
  spec: {
    steps: [
      {
        name: 'elasticsearch-backup-7.3.2',
        params: [
          { name: 'outputDir', value: '/stash-tmp/output' },
          { name: 'secretVolume', value: 'secret-volume' },
          { name: 'args', value: 'from-step' },
        ],
      },
      { name: 'update-status', params: [{ name: 'outputDir', value: '/stash-tmp/output' }] },
    ],
    volumes: [{ name: 'secret-volume', secret: { secretName: '${TARGET_NAME}-auth' } }],
  },
};

const tasks = new Map([[esBackupTask.metadata.name ?? '', esBackupTask]]);
const functions = new Map([
  ['elasticsearch-backup-7.3.2', esBackupFn],
  ['update-status', updateStatusFn],
]);
const variables = {
  REPOSITORY_PROVIDER: 'gcs',
  HOSTNAME: 'host-0',
  INTERIM_DATA_DIR: '/stash-tmp/stash-interim-volume/data',
  TARGET_NAME: 'es-demo',
  STASH_DOCKER_REGISTRY: 'ghcr.io/stashed',
  STASH_DOCKER_IMAGE: 'stash',
  STASH_IMAGE_TAG: 'v0.40.0',
  BACKUP_SESSION: 'es-backup-1',
};

const ES_BACKUP = 'elasticsearch-backup-7.3.2';

/** Resolves the ES backup Task with the fixtures above, `over` replacing some of them. */
const resolve = (over: Partial<Parameters<typeof resolveTask>[0]> = {}) =>
  resolveTask({ taskName: ES_BACKUP, tasks, functions, variables, ...over });

/** What a thrown StowageError with `code` (and these other fields) looks like. */
const failsWith = (code: string, more: Record<string, unknown> = {}): Error =>
  expect.objectContaining({ code, ...more }) as Error;

describe('resolveTask', () => {
  it('Given the ES backup Task, When resolved, Then one init container per step but the last, in order', () => {
    const r = resolve();
    expect(r.steps.map((s) => s.containerName)).toEqual(['elasticsearch-backup-7-3-2-0', 'update-status-1']);
    expect(r.initContainers.map((s) => s.containerName)).toEqual(['elasticsearch-backup-7-3-2-0']);
    expect(r.mainContainer.containerName).toBe('update-status-1');
    expect(r.volumes).toEqual([{ name: 'secret-volume', secret: { secretName: 'es-demo-auth' } }]);
  });

  it('Given step params and variables, When a Function is resolved, Then templates expand with ADDON_IMAGE and env', () => {
    expect(resolve().steps[0]).toMatchObject({
      functionName: ES_BACKUP,
      image: 'ghcr.io/stashed/stash-elasticsearch:7.3.2-v38',
      imagePullPolicy: 'IfNotPresent',
      args: [
        'backup-es',
        '--provider=gcs',
        '--hostname=host-0',
        '--interim-data-dir=/stash-tmp/stash-interim-volume/data',
        '--output-dir=/stash-tmp/output',
        '--es-args=from-step',
        '--image=ghcr.io/stashed/stash-elasticsearch:7.3.2-v38',
      ],
      env: [{ name: 'TARGET', value: 'es-demo' }],
      volumeMounts: [
        { name: 'secret-volume', mountPath: '/etc/secret' },
        { name: 'stash-tmp-dir', mountPath: '/stash-tmp' },
      ],
    });
  });

  it.each([
    ['an invoker param beats the step param', { args: '--match=^(?![.]).+' }, '--es-args=--match=^(?![.]).+'],
    [
      'the Function image beats a variable named ADDON_IMAGE',
      { ADDON_IMAGE: 'evil' },
      '--image=ghcr.io/stashed/stash-elasticsearch:7.3.2-v38',
    ],
  ])('Given %s, When resolved, Then the argument says so', (_n, extra, arg) => {
    expect(resolve({ variables: { ...variables, ...extra } }).steps[0]?.args).toContain(arg);
  });

  it('Given a Function that mounts stash-tmp-dir elsewhere, When resolved, Then the mount is replaced by /stash-tmp', () => {
    const r = resolve();
    expect(r.mainContainer.volumeMounts).toEqual([{ name: 'stash-tmp-dir', mountPath: '/stash-tmp' }]);
    expect(r.mainContainer.image).toBe('ghcr.io/stashed/stash:v0.40.0');
  });

  it('Given a lookup function instead of a map, When resolved, Then it is used', () => {
    const r = resolve({ tasks: (n) => tasks.get(n), functions: (n) => functions.get(n) });
    expect(r.steps).toHaveLength(2);
  });

  it.each([
    ['an unknown Task', 'postgres-backup-15.1', 'postgres-backup-15.1'],
    ['no Task name', undefined, 'spec.task.name'],
  ])('Given %s, When resolved, Then TASK_NOT_FOUND says %s', (_n, taskName, said) => {
    expect(() => resolve({ taskName })).toThrow(
      failsWith('TASK_NOT_FOUND', { message: expect.stringContaining(said) }),
    );
  });

  it('Given a missing Function, When resolved, Then FUNCTION_NOT_FOUND names it', () => {
    expect(() => resolve({ functions: new Map([['update-status', updateStatusFn]]) })).toThrow(
      failsWith('FUNCTION_NOT_FOUND', { details: expect.objectContaining({ function: ES_BACKUP }) }),
    );
  });

  it('Given an unset variable in a Function, When resolved, Then the error names the variable and the Function', () => {
    const { INTERIM_DATA_DIR: _dropped, ...rest } = variables;
    expect(() => resolve({ variables: rest })).toThrow(
      failsWith('TEMPLATE_VARIABLE_UNSET', {
        message: expect.stringMatching(/^Function "elasticsearch-backup-7\.3\.2".*\$\{INTERIM_DATA_DIR\}/),
        details: expect.objectContaining({ function: ES_BACKUP, variables: ['INTERIM_DATA_DIR'] }),
      }),
    );
  });

  it('Given an unset variable in the Task, When resolved, Then the error names the Task', () => {
    const { TARGET_NAME: _dropped, ...rest } = variables;
    expect(() => resolve({ variables: rest })).toThrow(
      failsWith('TEMPLATE_VARIABLE_UNSET', {
        message: expect.stringContaining(`Task "${ES_BACKUP}"`),
        details: expect.objectContaining({ task: ES_BACKUP, variables: ['TARGET_NAME'] }),
      }),
    );
  });
});

describe('addon info', () => {
  const ab = (addon: unknown): AppBinding => ({
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: { name: 'es', namespace: 'demo' },
    spec: {
      clientConfig: { url: 'http://es:9200' },
      parameters: { stash: { addon } } as AppBinding['spec']['parameters'],
    },
  });
  const addon = {
    backupTask: {
      name: 'elasticsearch-backup-7.3.2',
      params: [{ name: 'args', value: '--match=^(?![.])(?!searchguard).+' }],
    },
    restoreTask: { name: 'elasticsearch-restore-7.3.2', params: [{ name: 'r', value: '1' }] },
  };

  it('Given an AppBinding addon and no invoker task, When resolved, Then its tasks and params are used', () => {
    expect(resolveAddonInfo(ab(addon), undefined)).toEqual({
      backupTask: { name: 'elasticsearch-backup-7.3.2', params: addon.backupTask.params },
      restoreTask: { name: 'elasticsearch-restore-7.3.2', params: addon.restoreTask.params },
    });
  });

  it('Given an invoker task name, When resolved, Then it overrides both task names', () => {
    const info = resolveAddonInfo(ab(addon), { name: 'custom' });
    expect(info.backupTask.name).toBe('custom');
    expect(info.restoreTask.name).toBe('custom');
  });

  it('Given invoker params, When resolved, Then they merge over backup params and (quirk) replace restore params', () => {
    const info = resolveAddonInfo(ab(addon), {
      params: [
        { name: 'args', value: '--all' },
        { name: 'extra', value: 'x' },
      ],
    });
    expect(info.backupTask.params).toEqual([
      { name: 'args', value: '--all' },
      { name: 'extra', value: 'x' },
    ]);
    expect(info.restoreTask.params).toEqual([
      { name: 'args', value: '--all' },
      { name: 'extra', value: 'x' },
    ]);
  });

  it('Given no AppBinding, When resolved, Then only the invoker task is used', () => {
    expect(resolveAddonInfo(undefined, { name: 'pvc-backup' })).toEqual({
      backupTask: { name: 'pvc-backup', params: [] },
      restoreTask: { name: 'pvc-backup', params: [] },
    });
  });

  it('Given two param lists, When merged, Then later values replace by name and order is kept', () => {
    expect(
      mergeParams(
        [
          { name: 'a', value: '1' },
          { name: 'b', value: '2' },
        ],
        [
          { name: 'b', value: '3' },
          { name: 'c', value: '4' },
        ],
      ),
    ).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '3' },
      { name: 'c', value: '4' },
    ]);
  });
});
