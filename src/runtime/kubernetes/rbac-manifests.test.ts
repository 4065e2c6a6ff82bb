import { describe, expect, it } from 'vitest';
import { crossNamespaceRepositoryRbac } from './rbac-manifests.ts';

describe('crossNamespaceRepositoryRbac', () => {
  const owner = { apiVersion: 'stash.appscode.com/v1alpha1', kind: 'Repository', name: 'shared', uid: 'u' };
  it("grants the Job's ServiceAccount only that Repository and its storage Secret, in the Repository's namespace", () => {
    const set = crossNamespaceRepositoryRbac({
      name: 'stash-repo-app-job',
      repository: { namespace: 'repos', name: 'shared', storageSecretName: 'shared-storage' },
      subject: { namespace: 'app', name: 'stash-backup-x-0' },
      owner,
      labels: {},
    });
    expect(set.serviceAccount).toBeUndefined();
    expect(set.role.metadata?.namespace).toBe('repos');
    expect(set.role.rules).toEqual([
      {
        apiGroups: ['stash.appscode.com'],
        resources: ['repositories'],
        resourceNames: ['shared'],
        verbs: ['get'],
      },
      {
        apiGroups: ['stash.appscode.com'],
        resources: ['repositories/status'],
        resourceNames: ['shared'],
        verbs: ['get', 'update', 'patch'],
      },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['shared-storage'], verbs: ['get'] },
    ]);
    expect(set.roleBinding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'stash-backup-x-0', namespace: 'app' },
    ]);
    expect(set.roleBinding.metadata?.ownerReferences).toEqual([owner]);
  });
});
