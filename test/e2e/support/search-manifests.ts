/**
 * The objects an Elasticsearch/OpenSearch e2e scenario applies: a KubeDB-style AppBinding that
 * points at the engine's TLS proxy with the test CA in caBundle, its auth Secret, and the same
 * storage Secret / Repository / BackupConfiguration as the PostgreSQL scenarios (./manifests.ts).
 */
import type { SearchEngine } from '../../harness/search-engine.ts';
import {
  backupObjects,
  dbAuthSecret,
  kubedbAppBinding,
  type Names,
  type RepositoryPlace,
} from './manifests.ts';

/** The `--match` KubeDB puts into its AppBindings for 8.x clusters (stash-spec §4.5). */
export const KUBEDB_MATCH = '--match=^(?![.])(?!apm-agent-configuration)(?!kubedb-system).+';

/** The two spellings of the credentials KubeDB has used in its Secrets. */
export type SearchSecretKeys = 'username' | 'ADMIN_USERNAME';

export function searchAuthSecret(
  n: Names,
  engine: SearchEngine,
  keys: SearchSecretKeys = 'username',
): object {
  const [user, pass] = keys === 'username' ? ['username', 'password'] : ['ADMIN_USERNAME', 'ADMIN_PASSWORD'];
  return dbAuthSecret(n, { [user]: engine.secure.username, [pass]: engine.secure.password });
}

export function searchAppBinding(n: Names, engine: SearchEngine): object {
  const family = engine.kind;
  const version = family === 'opensearch' ? '2.19.0' : '7.14.0';
  return kubedbAppBinding(n, {
    resource: 'elasticsearches',
    type: 'elasticsearch',
    version: engine.version,
    clientConfig: { url: engine.secure.url, caBundle: Buffer.from(engine.secure.caPem).toString('base64') },
    backupTask: `${family}-backup-${version}`,
    restoreTask: `${family}-restore-${version}`,
    params: [{ name: 'args', value: KUBEDB_MATCH }],
  });
}

export function searchBackupStack(
  n: Names,
  engine: SearchEngine,
  place: RepositoryPlace,
  o: { bcSpec?: Record<string, unknown>; secretKeys?: SearchSecretKeys } = {},
): object[] {
  return backupObjects(
    n,
    place,
    [searchAuthSecret(n, engine, o.secretKeys), searchAppBinding(n, engine)],
    o.bcSpec,
  );
}
