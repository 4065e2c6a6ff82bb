import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  classifyChange,
  fingerprint,
  InvokerIndex,
  operatorWatches,
  type Change,
  type WatchedKind,
  type WatchSpec,
} from './watches.ts';

const meta = (o: Partial<NonNullable<KubernetesObject['metadata']>> = {}) => ({
  name: 'x',
  namespace: 'demo',
  generation: 1,
  resourceVersion: '1',
  ...o,
});

const bc = (name: string, repo: { name: string; namespace?: string }, target = 'db', ns = 'demo') =>
  ({
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: meta({ name, namespace: ns }),
    spec: { repository: repo, target: { ref: { kind: 'AppBinding', name: target } } },
  }) as KubernetesObject;

describe('classifyChange', () => {
  const before = fingerprint({ metadata: meta({ labels: { a: '1' } }) });
  it('tells status-only writes from metadata and spec changes', () => {
    expect(
      classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '1' }, resourceVersion: '2' }) })),
    ).toBe('status');
    expect(classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '2' } }) }))).toBe('metadata');
    expect(
      classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '1' }, finalizers: ['f'] }) })),
    ).toBe('metadata');
    expect(
      classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '1' }, generation: 2 }) })),
    ).toBe('spec');
    const deleting = fingerprint({
      metadata: meta({ labels: { a: '1' }, deletionTimestamp: new Date() }),
    });
    expect(classifyChange(before, deleting)).toBe('spec');
    expect(classifyChange(undefined, deleting)).toBe('spec');
  });
});

describe('InvokerIndex', () => {
  it('finds the BackupConfigurations naming a Repository or an AppBinding, across namespaces, as they change', () => {
    const index = new InvokerIndex();
    const repo = (name: string, ns = 'demo') => ({ metadata: { name, namespace: ns } });
    index.observe(bc('a', { name: 'r1' }), false);
    index.observe(bc('b', { name: 'r1' }), false);
    index.observe(bc('c', { name: 'shared', namespace: 'backups' }, 'db2', 'other'), false);
    expect(index.invokersOf('Repository', repo('r1')).sort()).toEqual([
      'BackupConfiguration/demo/a',
      'BackupConfiguration/demo/b',
    ]);
    expect(index.invokersOf('Repository', repo('shared', 'backups'))).toEqual([
      'BackupConfiguration/other/c',
    ]);
    expect(index.invokersOf('AppBinding', repo('db2', 'other'))).toEqual(['BackupConfiguration/other/c']);
    expect(index.invokersOf('Repository', repo('r1', 'other'))).toEqual([]);

    index.observe(bc('b', { name: 'r2' }), false);
    expect(index.invokersOf('Repository', repo('r1'))).toEqual(['BackupConfiguration/demo/a']);
    expect(index.invokersOf('Repository', repo('r2'))).toEqual(['BackupConfiguration/demo/b']);
    index.observe(bc('a', { name: 'r1' }), true);
    expect(index.invokersOf('Repository', repo('r1'))).toEqual([]);
    expect(index.invokersOf('AppBinding', repo('db'))).toEqual(['BackupConfiguration/demo/b']);
  });
});

describe('operatorWatches', () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const watches = operatorWatches(kc);
  const watch = (kind: WatchedKind) => watches.find((w) => w.kind === kind) as WatchSpec;
  const keys = (kind: WatchedKind, o: KubernetesObject, change: Change) => {
    const w = watch(kind);
    w.observe?.(o, change === 'deleted');
    return w.keysFor(o, { change });
  };

  it("does not wake a BackupConfiguration for its own status writes, but for spec, labels and its Repository's existence", () => {
    const config = bc('pg', { name: 'repo' });
    expect(keys('BackupConfiguration', config, 'added')).toEqual([
      'BackupConfiguration/demo/pg',
      'Repository/demo/repo',
    ]);
    expect(keys('BackupConfiguration', config, 'status')).toEqual([]);
    expect(keys('BackupConfiguration', config, 'metadata')).toEqual(['BackupConfiguration/demo/pg']);

    const repo = { metadata: meta({ name: 'repo' }) };
    expect(keys('Repository', repo, 'status')).toEqual([]);
    expect(keys('Repository', repo, 'metadata')).toEqual(['Repository/demo/repo']);
    expect(keys('Repository', repo, 'deleted')).toEqual([
      'Repository/demo/repo',
      'BackupConfiguration/demo/pg',
    ]);
    expect(keys('AppBinding', { metadata: meta({ name: 'db' }) }, 'added')).toEqual([
      'BackupConfiguration/demo/pg',
    ]);
    expect(keys('AppBinding', { metadata: meta({ name: 'db' }) }, 'status')).toEqual([]);
  });

  it('wakes sessions on every change and a BackupConfiguration when its CronJob is edited or deleted', () => {
    expect(keys('BackupSession', { metadata: meta({ name: 's' }) }, 'status')).toEqual([
      'BackupSession/demo/s',
    ]);
    const cronJob = {
      metadata: meta({
        name: 'stash-trigger-pg',
        ownerReferences: [{ apiVersion: 'v1beta1', kind: 'BackupConfiguration', name: 'pg', uid: 'u' }],
      }),
    };
    expect(keys('CronJob', cronJob, 'status')).toEqual([]);
    expect(keys('CronJob', cronJob, 'spec')).toEqual(['BackupConfiguration/demo/pg']);
    expect(keys('CronJob', cronJob, 'deleted')).toEqual(['BackupConfiguration/demo/pg']);
  });
});
