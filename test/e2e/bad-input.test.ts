/**
 * What a user gets from mistakes: `stowage apply` of a folder with a malformed file and an invalid
 * object among valid ones (exit 2, a message naming file, object and field, the valid objects applied
 * and working), and a Repository whose storage Secret does not exist yet (NotReady with Stash's
 * condition, Ready as soon as the Secret is applied — serve keeps running).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../harness/stowage.ts';
import { condition } from './support/conditions.ts';
import {
  appBinding,
  authSecret,
  backupConfiguration,
  repository,
  storageSecret,
  type Names,
} from './support/manifests.ts';
import { useStandaloneWithPostgres } from './support/standalone.ts';

const env = useStandaloneWithPostgres('input', { databases: ['app'], tables: 1, rows: 100 });

const ONLY_APP = { task: { params: [{ name: 'databases', value: 'app' }] } };

describe('bad input', () => {
  it('apply -f of a folder: invalid files are reported precisely, exit 2, and the valid objects are applied and work', async () => {
    const { st, pg } = env;
    const n: Names = { namespace: 'input', bc: 'good' };
    const bad: Names = { namespace: 'input', bc: 'bad' };
    const dir = join(st.root, 'mixed');
    mkdirSync(dir);
    writeFileSync(
      join(dir, '10-malformed.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: [unclosed\n',
    );
    writeFileSync(
      join(dir, '20-wrong-fields.yaml'),
      toYaml([
        backupConfiguration(bad, {
          ...ONLY_APP,
          retentionPolicy: { keepLast: 3, prune: true }, // no name
          timeOut: 'ten minutes',
        }),
      ]),
    );
    writeFileSync(
      join(dir, '30-valid.yaml'),
      toYaml([
        storageSecret(n),
        repository(n, { local: { mountPath: join(st.root, 'repo-good') } }),
        authSecret(n, pg),
        appBinding(n, pg),
        backupConfiguration(n, ONLY_APP),
      ]),
    );

    const r = await st.run(['apply', '-f', dir]);
    expect(r.code).toBe(2);
    // The malformed file, named, with a YAML error; the wrong object by file, kind/name and field paths.
    expect(r.stderr).toContain('10-malformed.yaml');
    expect(r.stderr).toContain('20-wrong-fields.yaml');
    expect(r.stderr).toMatch(/BackupConfiguration\/bad/);
    expect(r.stderr).toMatch(/spec\.retentionPolicy\.name/);
    expect(r.stderr).toMatch(/spec\.timeOut/);
    expect(r.stderr).toContain('expected a duration');
    // Messages, not a crash.
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stderr).not.toMatch(/internal error/i);
    // The valid objects were applied.
    expect(r.stdout).toMatch(/backupconfiguration\/good (created|configured)/i);
    expect(await st.get('BackupConfiguration', bad.namespace, bad.bc)).toBeUndefined();

    await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 30_000);
    await st.expectFinal('BackupSession', n.namespace, await st.trigger(n.namespace, n.bc));
  });

  it('a Repository whose storage Secret is missing: NotReady with BackendSecretFound=False, Ready once the Secret is applied', async () => {
    const { st, pg } = env;
    const n: Names = { namespace: 'input', bc: 'nosecret' };
    await st.apply([
      repository(n, { local: { mountPath: join(st.root, 'repo-nosecret') } }),
      authSecret(n, pg),
      appBinding(n, pg),
      backupConfiguration(n, ONLY_APP),
    ]);
    const notReady = await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['NotReady'], 30_000);
    expect(condition(notReady, 'RepositoryFound')).toMatchObject({
      status: 'True',
      reason: 'RepositoryAvailable',
    });
    expect(condition(notReady, 'BackendSecretFound')).toMatchObject({
      status: 'False',
      reason: 'BackendSecretNotAvailable',
    });
    expect(JSON.stringify(condition(notReady, 'BackendSecretFound'))).toContain(`${n.bc}-storage`);
    // A session now is skipped: the invoker is not ready.
    const early = await st.trigger(n.namespace, n.bc);
    const skipped = await st.expectFinal('BackupSession', n.namespace, early, 'Skipped', 30_000);
    expect(condition(skipped, 'BackupSkipped')).toMatchObject({
      status: 'True',
      reason: 'SkippedTakingNewBackup',
    });

    await st.apply([storageSecret(n)]);
    const ready = await st.waitForPhase('BackupConfiguration', n.namespace, n.bc, ['Ready'], 30_000);
    expect(condition(ready, 'BackendSecretFound')).toMatchObject({
      status: 'True',
      reason: 'BackendSecretAvailable',
    });
    expect(st.serving).toBe(true);
  });
});
