/**
 * Elasticsearch/OpenSearch on the embedded default, end to end: the backup/restore scenario of
 * ./scenarios/elasticsearch.ts by `stowage serve` into local-folder repositories, and a wrong
 * password that fails the session clearly without a snapshot.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSearchEngine, type SearchEngine } from '../harness/search-engine.ts';
import { Stowage } from '../harness/stowage.ts';
import { searchRoundtrips } from './scenarios/elasticsearch.ts';
import { localRepository, type Names } from './support/manifests.ts';
import { snapshots } from './support/restic-cli.ts';
import { seedSearchData } from './support/search-data.ts';
import { searchBackupStack } from './support/search-manifests.ts';

let engine: SearchEngine;
let st: Stowage;

beforeAll(async () => {
  [engine, st] = await Promise.all([startSearchEngine('opensearch'), Stowage.create({ name: 'es' })]);
  await Promise.all([seedSearchData(engine), st.start()]);
}, 180_000);
afterAll(async () => {
  await st?.cleanup();
  await engine?.stop();
});

const repositoryOf = (n: Names) => localRepository(join(st.root, `repo-${n.namespace}-${n.bc}`));

searchRoundtrips({ runtime: () => st, engine: () => engine, repository: repositoryOf });

describe('bad input', () => {
  it('a wrong password fails the session with a reason naming the cluster, and no snapshot', async () => {
    const n: Names = { namespace: 'search', bc: 'es-badauth' };
    const place = repositoryOf(n);
    const stack = searchBackupStack(n, engine, place);
    const secret = stack[2] as { stringData: Record<string, string> };
    secret.stringData.password = 'wrong';
    await st.setUpBackup(n, stack);
    const name = await st.trigger(n.namespace, n.bc);
    const session = await st.expectFinal('BackupSession', n.namespace, name, 'Failed');
    const error = session.status!.targets![0]!.stats![0]!.error ?? '';
    expect(error).toMatch(/refused user .* \(HTTP 401\)/);
    expect(error).not.toContain('wrong');
    expect(await snapshots(place.target)).toHaveLength(0);
  }, 120_000);
});
