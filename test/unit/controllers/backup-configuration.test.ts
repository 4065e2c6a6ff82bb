import { describe, expect, it } from 'vitest';
import { reconcileBackupConfiguration } from '../../../src/controllers/backup-configuration/reconcile.ts';
import { appBinding, backupConfiguration, controllerContext, ns, repository, secret } from './fixtures.ts';

const conditionsOf = async (store: ReturnType<typeof controllerContext>['store']) => {
  const bc = await store.get('BackupConfiguration', ns, 'bc');
  return {
    phase: bc?.status?.phase,
    byType: Object.fromEntries(
      (bc?.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
    ),
  };
};

describe('BackupConfiguration reconcile', () => {
  it('given no Repository, when reconciled, then RepositoryFound is False and the phase NotReady, with a requeue', async () => {
    const { ctx, store, scheduler } = controllerContext();
    await store.create(backupConfiguration());
    const result = await reconcileBackupConfiguration(ctx, ns, 'bc');
    const { phase, byType } = await conditionsOf(store);
    expect(phase).toBe('NotReady');
    expect(byType.RepositoryFound).toBe('False/RepositoryNotAvailable');
    expect(result.requeueAfterMs).toBe(5000);
    expect(scheduler.ensured).toEqual([]);
  });

  it('given a Repository whose storage Secret is missing, then BackendSecretFound is False and NotReady; once the Secret exists, Ready', async () => {
    const { ctx, store, scheduler } = controllerContext();
    await store.create(repository());
    await store.create(appBinding());
    await store.create(backupConfiguration());
    await reconcileBackupConfiguration(ctx, ns, 'bc');
    expect(await conditionsOf(store)).toMatchObject({
      phase: 'NotReady',
      byType: {
        RepositoryFound: 'True/RepositoryAvailable',
        BackendSecretFound: 'False/BackendSecretNotAvailable',
      },
    });
    await store.create(secret());
    await reconcileBackupConfiguration(ctx, ns, 'bc');
    expect(await conditionsOf(store)).toMatchObject({
      phase: 'Ready',
      byType: {
        BackendSecretFound: 'True/BackendSecretAvailable',
        ValidationPassed: 'True/ResourceValidationPassed',
        BackupTargetFound: 'True/TargetAvailable',
        CronJobCreated: 'True/CronJobCreationSucceeded',
      },
    });
    expect(scheduler.ensured).toEqual(['demo/bc']);
  });

  it('given a Repository in another namespace that only allows its own, then ValidationPassed is False and the phase Invalid', async () => {
    const { ctx, store } = controllerContext();
    await store.create({ ...repository(), metadata: { name: 'repo', namespace: 'vault' } });
    await store.create({ ...secret(), metadata: { name: 'repo-secret', namespace: 'vault' } });
    await store.create(appBinding());
    await store.create(backupConfiguration('bc', { repository: { name: 'repo', namespace: 'vault' } }));
    await reconcileBackupConfiguration(ctx, ns, 'bc');
    const { phase, byType } = await conditionsOf(store);
    expect(byType.ValidationPassed).toBe('False/ResourceValidationFailed');
    expect(phase).toBe('Invalid');
  });

  it('given usagePolicy from All, then a cross-namespace Repository is accepted', async () => {
    const { ctx, store } = controllerContext();
    await store.create({
      ...repository('repo', { usagePolicy: { allowedNamespaces: { from: 'All' } } }),
      metadata: { name: 'repo', namespace: 'vault' },
    });
    await store.create({ ...secret(), metadata: { name: 'repo-secret', namespace: 'vault' } });
    await store.create(appBinding());
    await store.create(backupConfiguration('bc', { repository: { name: 'repo', namespace: 'vault' } }));
    await reconcileBackupConfiguration(ctx, ns, 'bc');
    expect((await conditionsOf(store)).phase).toBe('Ready');
  });

  it.each([
    [{ matchLabels: { 'kubernetes.io/metadata.name': 'demo' } }, 'Ready'],
    [
      { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'demo'] }] },
      'Ready',
    ],
    [{ matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, 'Invalid'],
    [{ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, 'Invalid'],
  ])(
    'given usagePolicy from Selector %j, then the cross-namespace BackupConfiguration is %s',
    async (selector, phase) => {
      const { ctx, store } = controllerContext();
      await store.create({
        ...repository('repo', { usagePolicy: { allowedNamespaces: { from: 'Selector', selector } } }),
        metadata: { name: 'repo', namespace: 'vault' },
      });
      await store.create({ ...secret(), metadata: { name: 'repo-secret', namespace: 'vault' } });
      await store.create(appBinding());
      await store.create(backupConfiguration('bc', { repository: { name: 'repo', namespace: 'vault' } }));
      await reconcileBackupConfiguration(ctx, ns, 'bc');
      expect((await conditionsOf(store)).phase).toBe(phase);
    },
  );

  it('given the BackupConfiguration was deleted, when reconciled, then its schedule is removed', async () => {
    const { ctx, scheduler } = controllerContext();
    await reconcileBackupConfiguration(ctx, ns, 'gone');
    expect(scheduler.removed).toEqual(['demo/gone']);
  });
});
