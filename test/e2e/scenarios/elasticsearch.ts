/**
 * Elasticsearch/OpenSearch backed up and restored through a runtime, the same on both: a
 * KubeDB-style AppBinding (TLS with its CA in caBundle, basic auth from the Secret under either
 * spelling KubeDB used, KubeDB's `--match` in the addon params).
 * - Without an interim volume the dump streams into restic: one `/elasticsearch.ndjson` file.
 * - With interimVolumeTemplate it lands in the interim volume in multielasticdump's layout and
 *   restic backs up the folder; that snapshot restores without an interim volume.
 * Every document (id, routing, source hash), mapping, alias and the replicas/refresh settings come
 * back; the dot index is neither dumped nor touched.
 */
import { describe, expect, it } from 'vitest';
import type { SearchEngine } from '../../harness/search-engine.ts';
import type { StowageRuntime } from '../../harness/runtime.ts';
import { restoreSession, type Names, type RepositoryPlace } from '../support/manifests.ts';
import { snapshots } from '../support/restic-cli.ts';
import { deleteIndices, fingerprint, indexExists } from '../support/search-data.ts';
import { searchBackupStack } from '../support/search-manifests.ts';

export const INDICES = ['logs-2026', 'orders'];

const interim = {
  interimVolumeTemplate: {
    metadata: { name: 'es-interim' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
};

const LAYOUTS = [
  { layout: 'stream', bcSpec: {}, secretKeys: 'username' as const, path: /^\/elasticsearch\.ndjson$/ },
  // Where the runtime mounts the interim volume: <job work folder>/interim, or the session's PVC.
  { layout: 'folder', bcSpec: interim, secretKeys: 'ADMIN_USERNAME' as const, path: /interim\/data$/ },
];

export interface SearchScenarioSetup {
  runtime(): StowageRuntime;
  /** A seeded engine (support/search-data.ts). */
  engine(): SearchEngine;
  /** Where the repository of the backup `n` lives. */
  repository(n: Names): RepositoryPlace;
}

export function searchRoundtrips(s: SearchScenarioSetup): void {
  describe.each(LAYOUTS)('$layout layout', ({ layout, bcSpec, secretKeys, path }) => {
    it('backs up the selected indices and restores them exactly', async () => {
      const [rt, engine] = [s.runtime(), s.engine()];
      const before = await fingerprint(engine, INDICES);
      expect(Object.keys(before.orders!.docs).length).toBeGreaterThan(300);
      const n: Names = { namespace: `es-${layout}`, bc: 'es-backup' };
      const place = s.repository(n);
      await rt.setUpBackup(n, searchBackupStack(n, engine, place, { bcSpec, secretKeys }));
      const name = await rt.trigger(n.namespace, n.bc);
      const session = await rt.expectFinal('BackupSession', n.namespace, name, 'Succeeded', 240_000);
      const snap = session.status!.targets![0]!.stats![0]!.snapshots![0]!;
      expect(snap.path).toMatch(path);
      const listed = await snapshots(place.target);
      expect(listed.map((l) => l.short_id)).toEqual([snap.name]);
      expect(listed[0]!.paths[0]).toMatch(path);

      await deleteIndices(engine, INDICES);
      // The restore has no interim volume even when the backup had one: the snapshot decides.
      await rt.apply([restoreSession(n, 'es-restore')]);
      await rt.expectFinal('RestoreSession', n.namespace, 'es-restore', 'Succeeded', 240_000);
      expect(await fingerprint(engine, INDICES)).toEqual(before);
      expect(await indexExists(engine, '.internal-state')).toBe(true);
    }, 420_000);
  });
}
