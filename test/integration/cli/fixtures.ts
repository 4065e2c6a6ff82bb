/** Manifests the CLI tests share: a local Repository with its Secret, a PostgreSQL AppBinding, a BackupConfiguration. */
export const NS = 'demo';

export function secret(name = 'repo-secret', password = 'test-password') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    stringData: { RESTIC_PASSWORD: password },
  };
}

export function repository(repoDir: string, name = 'local-repo', secretName = 'repo-secret') {
  return {
    apiVersion: 'stash.appscode.com/v1alpha1',
    kind: 'Repository',
    metadata: { name, namespace: NS },
    spec: { backend: { local: { mountPath: repoDir }, storageSecretName: secretName } },
  };
}

export function appBinding(name = 'sample-postgres', restoreTask: string | null = 'postgres-restore-15.1') {
  return {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: { name, namespace: NS },
    spec: {
      type: 'kubedb.com/postgres',
      version: '15.1',
      clientConfig: { url: 'postgres://127.0.0.1:1/postgres?sslmode=disable' },
      secret: { name: 'pg-auth' },
      parameters: {
        apiVersion: 'appcatalog.appscode.com/v1alpha1',
        kind: 'StashAddon',
        stash: {
          addon: {
            backupTask: { name: 'postgres-backup-15.1' },
            ...(restoreTask ? { restoreTask: { name: restoreTask } } : {}),
          },
        },
      },
    },
  };
}

export function backupConfiguration(name = 'pg-backup', paused = false) {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name, namespace: NS },
    spec: {
      // Once a year: sessions in these tests come from `stowage trigger` only.
      schedule: '0 0 1 1 *',
      paused,
      repository: { name: 'local-repo' },
      target: {
        ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'sample-postgres' },
      },
      retentionPolicy: { name: 'keep-last-5', keepLast: 5, prune: true },
    },
  };
}
