/**
 * A controller context over a real in-memory SQLite store, with recording Scheduler and Executor
 * ports (the real ones run in the e2e tier), so one reconcile can be driven and inspected.
 */
import pino from 'pino';
import type { ControllerContext } from '../../../src/controllers/context.ts';
import type { Executor, JobSpec, JobState, Scheduler } from '../../../src/controllers/store.ts';
import { LocalStore } from '../../../src/runtime/standalone/local-store.ts';
import { openStateDb } from '../../../src/runtime/standalone/state-db.ts';
import type { ObjectOf } from '../../../src/api/index.ts';

export class RecordingScheduler implements Scheduler {
  readonly ensured: string[] = [];
  readonly removed: string[] = [];
  ensure(bc: ObjectOf<'BackupConfiguration'>): Promise<string> {
    this.ensured.push(`${bc.metadata.namespace}/${bc.metadata.name}`);
    return Promise.resolve(`stash-trigger-${bc.metadata.name}`);
  }
  remove(namespace: string, name: string): Promise<void> {
    this.removed.push(`${namespace}/${name}`);
    return Promise.resolve();
  }
}

export class RecordingExecutor implements Executor {
  readonly jobs = new Map<string, JobSpec>();
  readonly states = new Map<string, JobState>();
  ensure(job: JobSpec): Promise<void> {
    const key = `${job.namespace}/${job.name}`;
    if (!this.jobs.has(key)) {
      this.jobs.set(key, job);
      this.states.set(key, { phase: 'Running' });
    }
    return Promise.resolve();
  }
  state(namespace: string, name: string): Promise<JobState | undefined> {
    return Promise.resolve(this.states.get(`${namespace}/${name}`));
  }
  delete(namespace: string, name: string): Promise<void> {
    this.jobs.delete(`${namespace}/${name}`);
    this.states.delete(`${namespace}/${name}`);
    return Promise.resolve();
  }
}

export function controllerContext(now = new Date('2026-11-25T10:00:00Z')) {
  const store = new LocalStore(openStateDb(':memory:'), () => now);
  const scheduler = new RecordingScheduler();
  const executor = new RecordingExecutor();
  const ctx: ControllerContext = {
    store,
    scheduler,
    executor,
    logger: pino({ level: 'silent' }),
    now: () => now,
    settings: { image: 'ghcr.io/stowage/stowage:v0.1.0', pushgatewayUrl: undefined },
    metrics: {
      enabled: false,
      backupSessionCompleted: () => Promise.resolve(),
      restoreSessionCompleted: () => Promise.resolve(),
    },
  };
  return { ctx, store, scheduler, executor };
}

export const ns = 'demo';

export const repository = (
  name = 'repo',
  extra: Partial<ObjectOf<'Repository'>['spec']> = {},
): ObjectOf<'Repository'> => ({
  apiVersion: 'stash.appscode.com/v1alpha1',
  kind: 'Repository',
  metadata: { name, namespace: ns },
  spec: { backend: { local: { mountPath: '/backups' }, storageSecretName: 'repo-secret' }, ...extra },
});

export const secret = (name = 'repo-secret'): ObjectOf<'Secret'> => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: ns },
  stringData: { RESTIC_PASSWORD: 'x' },
});

export const appBinding = (name = 'db'): ObjectOf<'AppBinding'> => ({
  apiVersion: 'appcatalog.appscode.com/v1alpha1',
  kind: 'AppBinding',
  metadata: { name, namespace: ns },
  spec: {
    clientConfig: { url: 'postgres://127.0.0.1:5432/postgres' },
    secret: { name: 'db-auth', kind: 'Secret' },
    parameters: {
      stash: {
        addon: {
          backupTask: { name: 'postgres-backup-15.1' },
          restoreTask: { name: 'postgres-restore-15.1' },
        },
      },
    },
  },
});

export const backupConfiguration = (
  name = 'bc',
  spec: Partial<ObjectOf<'BackupConfiguration'>['spec']> = {},
): ObjectOf<'BackupConfiguration'> => ({
  apiVersion: 'stash.appscode.com/v1beta1',
  kind: 'BackupConfiguration',
  metadata: { name, namespace: ns },
  spec: {
    schedule: '*/5 * * * *',
    repository: { name: 'repo' },
    target: { ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'db' } },
    retentionPolicy: { name: 'keep-3', keepLast: 3, prune: true },
    driver: 'Restic',
    backupHistoryLimit: 1,
    ...spec,
  },
});
