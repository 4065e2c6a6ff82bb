/**
 * The objects an e2e scenario applies, as a user would write them: storage Secret, Repository
 * (local folder or S3), database Secret, a KubeDB-style AppBinding for PostgreSQL, a
 * BackupConfiguration and a RestoreSession. Overrides are merged into the spec.
 */
import type { PostgresServer } from '../../harness/postgres.ts';

export const RESTIC_PASSWORD = 'e2e-restic-password';

/** A schedule that will not fire during a test (once a year); sessions come from `stowage trigger`. */
export const RARE_SCHEDULE = '0 0 1 1 *';

export interface Names {
  namespace: string;
  /** BackupConfiguration name; the other objects are named after it. */
  bc: string;
}

export const repoName = (n: Names) => `${n.bc}-repo`;
export const storageSecretName = (n: Names) => `${n.bc}-storage`;
export const authSecretName = (n: Names) => `${n.bc}-pg-auth`;
export const appBindingName = (n: Names) => `${n.bc}-pg`;

export type Backend =
  | { local: { mountPath: string } }
  | { s3: { endpoint: string; bucket: string; prefix?: string; region?: string } };

export function storageSecret(n: Names, extra: Record<string, string> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: storageSecretName(n), namespace: n.namespace },
    stringData: { RESTIC_PASSWORD, ...extra },
  };
}

export function repository(n: Names, backend: Backend): object {
  return {
    apiVersion: 'stash.appscode.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: repoName(n), namespace: n.namespace },
    spec: { backend: { ...backend, storageSecretName: storageSecretName(n) } },
  };
}

export function authSecret(n: Names, pg: PostgresServer, o: { password?: string } = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: authSecretName(n), namespace: n.namespace },
    stringData: { username: pg.user, password: o.password ?? pg.password },
  };
}

export function appBinding(n: Names, pg: PostgresServer): object {
  return {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: {
      name: appBindingName(n),
      namespace: n.namespace,
      labels: {
        'app.kubernetes.io/instance': appBindingName(n),
        'app.kubernetes.io/managed-by': 'kubedb.com',
        'app.kubernetes.io/name': 'postgreses.kubedb.com',
      },
    },
    spec: {
      type: 'kubedb.com/postgres',
      version: '15.1',
      clientConfig: { url: `postgres://127.0.0.1:${pg.port}/postgres?sslmode=disable` },
      secret: { name: authSecretName(n) },
      parameters: {
        apiVersion: 'appcatalog.appscode.com/v1alpha1',
        kind: 'StashAddon',
        stash: {
          addon: {
            backupTask: { name: 'postgres-backup-15.1' },
            restoreTask: { name: 'postgres-restore-15.1' },
          },
        },
      },
    },
  };
}

export function backupConfiguration(n: Names, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name: n.bc, namespace: n.namespace },
    spec: {
      schedule: RARE_SCHEDULE,
      repository: { name: repoName(n) },
      target: {
        ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: appBindingName(n) },
      },
      retentionPolicy: { name: 'keep-last-10', keepLast: 10, prune: true },
      ...spec,
    },
  };
}

export function restoreSession(n: Names, name: string, snapshots: string[] = ['latest']): object {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'RestoreSession',
    metadata: { name, namespace: n.namespace },
    spec: {
      repository: { name: repoName(n) },
      target: {
        ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: appBindingName(n) },
      },
      rules: [{ snapshots }],
    },
  };
}

/** Everything a backup needs, in apply order. */
export function backupStack(
  n: Names,
  pg: PostgresServer,
  backend: Backend,
  o: {
    bcSpec?: Record<string, unknown>;
    storageSecretExtra?: Record<string, string>;
    dbPassword?: string;
  } = {},
): object[] {
  return [
    storageSecret(n, o.storageSecretExtra),
    repository(n, backend),
    authSecret(n, pg, o.dbPassword !== undefined ? { password: o.dbPassword } : {}),
    appBinding(n, pg),
    backupConfiguration(n, o.bcSpec),
  ];
}

/** A cron expression (with seconds) that fires once, at `at` (local time, as croner reads it). */
export function cronAt(at: Date): string {
  return `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}
