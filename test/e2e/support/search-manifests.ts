/**
 * The objects an Elasticsearch/OpenSearch e2e scenario applies: a KubeDB-style AppBinding that
 * points at the engine's TLS proxy with the test CA in caBundle, its auth Secret, and the same
 * storage Secret / Repository / BackupConfiguration / RestoreSession as the PostgreSQL scenarios.
 */
import type { SearchEngine } from '../../harness/search-engine.ts';
import {
  appBindingName,
  authSecretName,
  backupConfiguration,
  repository,
  storageSecret,
  type Backend,
  type Names,
} from './manifests.ts';

/** The `--match` KubeDB puts into its AppBindings for 8.x clusters (stash-spec §4.5). */
export const KUBEDB_MATCH = '--match=^(?![.])(?!apm-agent-configuration)(?!kubedb-system).+';

export function searchAuthSecret(
  n: Names,
  engine: SearchEngine,
  keys: 'username' | 'ADMIN_USERNAME' = 'username',
): object {
  const [user, pass] = keys === 'username' ? ['username', 'password'] : ['ADMIN_USERNAME', 'ADMIN_PASSWORD'];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: authSecretName(n), namespace: n.namespace },
    stringData: { [user]: engine.secure.username, [pass]: engine.secure.password },
  };
}

export function searchAppBinding(n: Names, engine: SearchEngine, o: { taskVersion?: string } = {}): object {
  const family = engine.kind;
  const version = o.taskVersion ?? (family === 'opensearch' ? '2.19.0' : '7.14.0');
  return {
    apiVersion: 'appcatalog.appscode.com/v1alpha1',
    kind: 'AppBinding',
    metadata: {
      name: appBindingName(n),
      namespace: n.namespace,
      labels: {
        'app.kubernetes.io/instance': appBindingName(n),
        'app.kubernetes.io/managed-by': 'kubedb.com',
        'app.kubernetes.io/name': 'elasticsearches.kubedb.com',
      },
    },
    spec: {
      type: 'kubedb.com/elasticsearch',
      version: engine.version,
      clientConfig: {
        url: engine.secure.url,
        caBundle: Buffer.from(engine.secure.caPem).toString('base64'),
      },
      secret: { name: authSecretName(n) },
      parameters: {
        apiVersion: 'appcatalog.appscode.com/v1alpha1',
        kind: 'StashAddon',
        stash: {
          addon: {
            backupTask: {
              name: `${family}-backup-${version}`,
              params: [{ name: 'args', value: KUBEDB_MATCH }],
            },
            restoreTask: {
              name: `${family}-restore-${version}`,
              params: [{ name: 'args', value: KUBEDB_MATCH }],
            },
          },
        },
      },
    },
  };
}

export function searchBackupStack(
  n: Names,
  engine: SearchEngine,
  backend: Backend,
  o: { bcSpec?: Record<string, unknown>; secretKeys?: 'username' | 'ADMIN_USERNAME' } = {},
): object[] {
  return [
    storageSecret(n),
    repository(n, backend),
    searchAuthSecret(n, engine, o.secretKeys),
    searchAppBinding(n, engine),
    backupConfiguration(n, o.bcSpec),
  ];
}
