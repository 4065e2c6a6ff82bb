/**
 * Manifests the CLI tests share: a local Repository with its Secret, a PostgreSQL AppBinding and its
 * credentials, a BackupConfiguration.
 */
export const NS = 'demo';

/** A PostgreSQL that nothing listens for: objects that are applied and read, never backed up. */
const UNREACHABLE_POSTGRES = 'postgres://127.0.0.1:1/postgres?sslmode=disable';

/** An object of `kind` named `name` in the test namespace, with the fields of its kind. */
const inNamespace = <F extends object>(apiVersion: string, kind: string, name: string, fields: F) => ({
  apiVersion,
  kind,
  metadata: { name, namespace: NS },
  ...fields,
});

/** A Repository's storage Secret. */
export function secret(name = 'repo-secret', password = 'test-password') {
  return inNamespace('v1', 'Secret', name, { stringData: { RESTIC_PASSWORD: password } });
}

/** The database's credentials, which the AppBinding names. */
export function dbAuthSecret(username: string, password: string) {
  return inNamespace('v1', 'Secret', 'pg-auth', { stringData: { username, password } });
}

export function repository(repoDir: string, name = 'local-repo', secretName = 'repo-secret') {
  return inNamespace('stash.appscode.com/v1alpha1', 'Repository', name, {
    spec: { backend: { local: { mountPath: repoDir }, storageSecretName: secretName } },
  });
}

export function appBinding(
  name = 'sample-postgres',
  restoreTask: string | null = 'postgres-restore-15.1',
  url = UNREACHABLE_POSTGRES,
) {
  const addon = {
    backupTask: { name: 'postgres-backup-15.1' },
    ...(restoreTask ? { restoreTask: { name: restoreTask } } : {}),
  };
  return inNamespace('appcatalog.appscode.com/v1alpha1', 'AppBinding', name, {
    spec: {
      type: 'kubedb.com/postgres',
      version: '15.1',
      clientConfig: { url },
      secret: { name: 'pg-auth' },
      parameters: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'StashAddon', stash: { addon } },
    },
  });
}

export function backupConfiguration(name = 'pg-backup', paused = false) {
  return inNamespace('stash.appscode.com/v1beta1', 'BackupConfiguration', name, {
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
  });
}
