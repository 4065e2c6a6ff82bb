/**
 * Elasticsearch/OpenSearch on the embedded default, end to end: a KubeDB-style AppBinding (TLS
 * with its CA in caBundle, basic auth from the Secret, KubeDB's `--match` in the addon params)
 * backed up by `stowage serve` into a local repository and restored by a RestoreSession.
 * - without an interim volume the dump streams into restic: one `/elasticsearch.ndjson` file;
 * - with interimVolumeTemplate it lands in the interim folder in multielasticdump's layout and
 *   restic backs up the folder; that snapshot restores whether or not the restore has one.
 * Every document (id, routing, source hash), mapping, alias and the replicas/refresh settings
 * come back; the dot index is neither dumped nor touched.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSearchEngine, type SearchEngine } from '../harness/search-engine.ts';
import { Stowage } from '../harness/stowage.ts';
import { restoreSession, RESTIC_PASSWORD, type Names } from './support/manifests.ts';
import { snapshots } from './support/restic-cli.ts';
import { deleteIndices, fingerprint, indexExists, seedSearchData } from './support/search-data.ts';
import { searchBackupStack } from './support/search-manifests.ts';

const INDICES = ['logs-2026', 'orders'];
let engine: SearchEngine;

beforeAll(async () => {
  engine = await startSearchEngine('opensearch');
  await seedSearchData(engine);
}, 180_000);
afterAll(async () => {
  await engine?.stop();
});

const interim = {
  interimVolumeTemplate: {
    metadata: { name: 'es-interim' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
};

describe.each([
  { layout: 'stream', bcSpec: {}, secretKeys: 'username' as const, path: /^\/elasticsearch\.ndjson$/ },
  {
    layout: 'folder',
    bcSpec: interim,
    secretKeys: 'ADMIN_USERNAME' as const,
    // the standalone runtime mounts the interim volume at <job work folder>/interim
    path: /\/interim\/data$/,
  },
])('$layout layout', ({ layout, bcSpec, secretKeys, path }) => {
  it('backs up the selected indices and restores them exactly', async () => {
    const before = await fingerprint(engine, INDICES);
    expect(Object.keys(before.orders!.docs).length).toBeGreaterThan(300);
    const n: Names = { namespace: 'search', bc: `es-${layout}` };
    const st = await Stowage.create({ name: `es-${layout}` });
    try {
      await st.startServe();
      await st.apply(
        searchBackupStack(
          n,
          engine,
          { local: { mountPath: join(st.root, 'repository') } },
          { bcSpec, secretKeys },
        ),
      );
      await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 30_000);
      const name = await st.trigger(n.namespace, n.bc);
      const session = await st.waitForFinal('BackupSession', n.namespace, name);
      expect(session.status?.phase, st.diagnostics('BackupSession', n.namespace, name)).toBe('Succeeded');
      const snap = session.status!.targets![0]!.stats![0]!.snapshots![0]!;
      expect(snap.path).toMatch(path);
      const listed = await snapshots({ repository: join(st.root, 'repository'), env: { RESTIC_PASSWORD } });
      expect(listed).toHaveLength(1);
      expect(listed[0]!.paths[0]).toMatch(path);

      await deleteIndices(engine, INDICES);
      // The restore has no interim volume even when the backup had one: the snapshot decides.
      await st.apply([restoreSession(n, `restore-${layout}`)]);
      const restore = await st.waitForFinal('RestoreSession', n.namespace, `restore-${layout}`);
      expect(restore.status?.phase, st.diagnostics('RestoreSession', n.namespace, `restore-${layout}`)).toBe(
        'Succeeded',
      );
      expect(await fingerprint(engine, INDICES)).toEqual(before);
      expect(await indexExists(engine, '.internal-state')).toBe(true);
    } finally {
      await st.cleanup();
    }
  }, 240_000);
});

describe('bad input', () => {
  it('a wrong password fails the session with a reason naming the cluster, and no snapshot', async () => {
    const n: Names = { namespace: 'search', bc: 'es-badauth' };
    const st = await Stowage.create({ name: 'es-badauth' });
    try {
      await st.startServe();
      const stack = searchBackupStack(n, engine, { local: { mountPath: join(st.root, 'repository') } });
      const secret = stack[2] as { stringData: Record<string, string> };
      secret.stringData.password = 'wrong';
      await st.apply(stack);
      await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 30_000);
      const name = await st.trigger(n.namespace, n.bc);
      const session = await st.waitForFinal('BackupSession', n.namespace, name);
      expect(session.status?.phase).toBe('Failed');
      const error = session.status!.targets![0]!.stats![0]!.error ?? '';
      expect(error).toMatch(/refused user .* \(HTTP 401\)/);
      expect(error).not.toContain('wrong');
      const listed = await snapshots({ repository: join(st.root, 'repository'), env: { RESTIC_PASSWORD } });
      expect(listed).toHaveLength(0);
    } finally {
      await st.cleanup();
    }
  }, 120_000);
});
