import { describe, expect, it } from 'vitest';
import type { Change, WatchedKind, WatchedObject } from './controller.ts';
import { WakeUp } from './wake-up.ts';

const meta = (o: Record<string, unknown> = {}) => ({ name: 'x', namespace: 'demo', ...o });

const bc = (name: string, repo: { name: string; namespace?: string }, target = 'db', ns = 'demo') => ({
  metadata: meta({ name, namespace: ns }),
  spec: { repository: repo, target: { ref: { kind: 'AppBinding', name: target } } },
});

describe('WakeUp (the controllers’ declarations)', () => {
  const wake = () => {
    const w = new WakeUp();
    return (kind: WatchedKind, o: WatchedObject, change: Change) => w.changed(kind, o, change).sort();
  };

  it('finds the BackupConfigurations naming a Repository or an AppBinding, across namespaces, as they change', () => {
    const keys = wake();
    const repo = (name: string, ns = 'demo') => ({ metadata: { name, namespace: ns } });
    keys('BackupConfiguration', bc('a', { name: 'r1' }), 'added');
    keys('BackupConfiguration', bc('b', { name: 'r1' }), 'added');
    keys('BackupConfiguration', bc('c', { name: 'shared', namespace: 'backups' }, 'db2', 'other'), 'added');
    expect(keys('Repository', repo('r1'), 'added')).toEqual([
      'BackupConfiguration/demo/a',
      'BackupConfiguration/demo/b',
      'Repository/demo/r1',
    ]);
    expect(keys('Repository', repo('shared', 'backups'), 'spec')).toEqual([
      'BackupConfiguration/other/c',
      'Repository/backups/shared',
    ]);
    expect(keys('AppBinding', repo('db2', 'other'), 'added')).toEqual(['BackupConfiguration/other/c']);
    expect(keys('Repository', repo('r1', 'other'), 'added')).toEqual(['Repository/other/r1']);

    keys('BackupConfiguration', bc('b', { name: 'r2' }), 'spec');
    expect(keys('Repository', repo('r1'), 'deleted')).toEqual([
      'BackupConfiguration/demo/a',
      'Repository/demo/r1',
    ]);
    expect(keys('Repository', repo('r2'), 'deleted')).toEqual([
      'BackupConfiguration/demo/b',
      'Repository/demo/r2',
    ]);
    keys('BackupConfiguration', bc('a', { name: 'r1' }), 'deleted');
    expect(keys('Repository', repo('r1'), 'deleted')).toEqual(['Repository/demo/r1']);
    expect(keys('AppBinding', repo('db'), 'deleted')).toEqual(['BackupConfiguration/demo/b']);
  });

  it("does not wake a BackupConfiguration for its own status writes, but for spec, labels and its Repository's existence", () => {
    const keys = wake();
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
      'BackupConfiguration/demo/pg',
      'Repository/demo/repo',
    ]);
    expect(keys('AppBinding', { metadata: meta({ name: 'db' }) }, 'added')).toEqual([
      'BackupConfiguration/demo/pg',
    ]);
    expect(keys('AppBinding', { metadata: meta({ name: 'db' }) }, 'status')).toEqual([]);
    expect(keys('Secret', { metadata: meta({ name: 'creds' }) }, 'added')).toEqual([]);
  });

  it('wakes sessions on every change, a session for its Job, and a BackupConfiguration when its CronJob is edited or deleted', () => {
    const keys = wake();
    expect(keys('BackupSession', { metadata: meta({ name: 's' }) }, 'status')).toEqual([
      'BackupSession/demo/s',
    ]);
    const owned = (kind: string, name: string) => ({
      metadata: meta({ name: `stash-${name}`, ownerReferences: [{ kind, name }] }),
    });
    expect(keys('Job', owned('RestoreSession', 'r'), 'status')).toEqual(['RestoreSession/demo/r']);
    const cronJob = owned('BackupConfiguration', 'pg');
    expect(keys('CronJob', cronJob, 'status')).toEqual([]);
    expect(keys('CronJob', cronJob, 'spec')).toEqual(['BackupConfiguration/demo/pg']);
    expect(keys('CronJob', cronJob, 'deleted')).toEqual(['BackupConfiguration/demo/pg']);
  });

  it('wakes the Repository a RestoreSession names when the session comes or goes', () => {
    const keys = wake();
    const rs = { metadata: meta({ name: 'rs' }), spec: { repository: { name: 'repo' } } };
    expect(keys('RestoreSession', rs, 'added')).toEqual(['Repository/demo/repo', 'RestoreSession/demo/rs']);
    expect(keys('RestoreSession', rs, 'status')).toEqual(['RestoreSession/demo/rs']);
  });
});
