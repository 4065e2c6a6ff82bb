/**
 * The objects an e2e scenario applies, as a user would write them: storage Secret, Repository
 * (local folder or S3), the database's Secret and a KubeDB-style AppBinding, a BackupConfiguration
 * and a RestoreSession. Overrides are merged into the spec. The PostgreSQL objects are here; the
 * Elasticsearch ones in ./search-manifests.ts, built from the same pieces.
 */
import type { Minio } from '../../harness/minio.ts';
import type { PostgresServer } from '../../harness/postgres.ts';
import type { BackupNames } from '../../harness/runtime.ts';
import type { ResticTarget } from './restic-cli.ts';

export const RESTIC_PASSWORD = 'e2e-restic-password';

/** A schedule that will not fire during a test (once a year); sessions come from `trigger`. */
export const RARE_SCHEDULE = '0 0 1 1 *';

/** A BackupConfiguration's namespace and name; the other objects are named after it. */
export type Names = BackupNames;

export const repoName = (n: Names) => `${n.bc}-repo`;
export const storageSecretName = (n: Names) => `${n.bc}-storage`;
export const authSecretName = (n: Names) => `${n.bc}-db-auth`;
export const appBindingName = (n: Names) => `${n.bc}-db`;

export type Backend =
  | { local: { mountPath: string } }
  | { s3: { endpoint: string; bucket: string; prefix?: string; region?: string } };

/** Where a test's repository lives: the Repository's backend, the Secret keys it needs, restic's view of it. */
export interface RepositoryPlace {
  backend: Backend;
  /** Storage Secret keys besides RESTIC_PASSWORD (the S3 credentials). */
  secretExtra: Record<string, string>;
  /** The same repository for restic run directly, to judge the outcome independently. */
  target: ResticTarget;
}

export function localRepository(dir: string): RepositoryPlace {
  return {
    backend: { local: { mountPath: dir } },
    secretExtra: {},
    target: { repository: dir, env: { RESTIC_PASSWORD } },
  };
}

export function minioRepository(minio: Minio, bucket: string, prefix: string): RepositoryPlace {
  const secretExtra = { AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey };
  return {
    backend: { s3: { endpoint: minio.endpoint, bucket, prefix, region: 'us-east-1' } },
    secretExtra,
    target: {
      repository: `s3:${minio.endpoint}/${bucket}/${prefix}`,
      env: { RESTIC_PASSWORD, ...secretExtra },
    },
  };
}

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

/** The database's credentials Secret, with the keys its addon reads. */
export function dbAuthSecret(n: Names, values: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: authSecretName(n), namespace: n.namespace },
    stringData: values,
  };
}

export function authSecret(n: Names, pg: PostgresServer, o: { password?: string } = {}): object {
  return dbAuthSecret(n, { username: pg.user, password: o.password ?? pg.password });
}

interface AppBindingOf {
  /** The KubeDB resource, e.g. `postgreses` (the app.kubernetes.io/name label is `<it>.kubedb.com`). */
  resource: string;
  /** spec.type without its `kubedb.com/` group, e.g. `postgres`. */
  type: string;
  version: string;
  clientConfig: Record<string, unknown>;
  backupTask: string;
  restoreTask: string;
  /** Task params KubeDB puts into the addon (e.g. `args` for Elasticsearch). */
  params?: Array<{ name: string; value: string }>;
}

/** An AppBinding as KubeDB creates it for a database: labels, client config, Secret and Stash addon. */
export function kubedbAppBinding(n: Names, a: AppBindingOf): object {
  const params = a.params ? { params: a.params } : {};
  return {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: {
      name: appBindingName(n),
      namespace: n.namespace,
      labels: {
        'app.kubernetes.io/instance': appBindingName(n),
        'app.kubernetes.io/managed-by': 'kubedb.com',
        'app.kubernetes.io/name': `${a.resource}.kubedb.com`,
      },
    },
    spec: {
      type: `kubedb.com/${a.type}`,
      version: a.version,
      clientConfig: a.clientConfig,
      secret: { name: authSecretName(n) },
      parameters: {
        apiVersion: 'appcatalog.appscode.com/v1alpha1',
        kind: 'StashAddon',
        stash: {
          addon: {
            backupTask: { name: a.backupTask, ...params },
            restoreTask: { name: a.restoreTask, ...params },
          },
        },
      },
    },
  };
}

export function appBinding(n: Names, pg: PostgresServer): object {
  return kubedbAppBinding(n, {
    resource: 'postgreses',
    type: 'postgres',
    version: '15.1',
    clientConfig: { url: `postgres://127.0.0.1:${pg.port}/postgres?sslmode=disable` },
    backupTask: 'postgres-backup-15.1',
    restoreTask: 'postgres-restore-15.1',
  });
}

const targetRef = (n: Names) => ({
  ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: appBindingName(n) },
});

export function backupConfiguration(n: Names, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'BackupConfiguration',
    metadata: { name: n.bc, namespace: n.namespace },
    spec: {
      schedule: RARE_SCHEDULE,
      repository: { name: repoName(n) },
      target: targetRef(n),
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
    spec: { repository: { name: repoName(n) }, target: targetRef(n), rules: [{ snapshots }] },
  };
}

/**
 * Everything a backup needs, in apply order: the storage Secret and Repository at `place`, the
 * database's Secret and AppBinding, the BackupConfiguration (its spec merged with `bcSpec`).
 */
export function backupObjects(
  n: Names,
  place: RepositoryPlace,
  database: readonly [auth: object, binding: object],
  bcSpec: Record<string, unknown> = {},
): object[] {
  return [
    storageSecret(n, place.secretExtra),
    repository(n, place.backend),
    ...database,
    backupConfiguration(n, bcSpec),
  ];
}

/** backupObjects() of a PostgreSQL server. */
export function backupStack(
  n: Names,
  pg: PostgresServer,
  place: RepositoryPlace,
  o: { bcSpec?: Record<string, unknown>; dbPassword?: string } = {},
): object[] {
  const auth = authSecret(n, pg, o.dbPassword !== undefined ? { password: o.dbPassword } : {});
  return backupObjects(n, place, [auth, appBinding(n, pg)], o.bcSpec);
}

/** A cron expression (with seconds) that fires once, at `at` (local time, as croner reads it). */
export function cronAt(at: Date): string {
  return `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}
