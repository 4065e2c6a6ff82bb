/**
 * The object commands of `bin/stowage` over a real standalone state (SQLite in a temp folder):
 * apply, get, describe, delete, trigger, pause/resume and the user form of restore. No `serve`
 * runs; where a command waits for a controller, the test plays the controller through a LocalStore.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import { standaloneProgressFile } from '../../../src/cli/session-progress.ts';
import { DEFAULT_HOST } from '../../../src/core/hostname.ts';
import { appBinding, backupConfiguration, NS, repository, secret } from './fixtures.ts';
import { CliSandbox, createdName, hasStackTrace, logLines, repoRoot, untilPrinted } from './run-cli.ts';

const catalog = join(repoRoot, 'deploy/catalog');

describe('stowage object commands', () => {
  let sb: CliSandbox;
  let base: string;

  beforeAll(async () => {
    sb = await CliSandbox.create();
    base = await sb.manifest('base.yaml', [
      secret(),
      repository(join(sb.dir, 'repo')),
      appBinding(),
      backupConfiguration(),
    ]);
    const r = await sb.run(['apply', '-f', base, '-f', catalog]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => sb.cleanup());

  describe('apply', () => {
    it('creates, then reports unchanged and configured objects', async () => {
      const again = await sb.run(['apply', '-f', base]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('backupconfiguration/pg-backup unchanged');
      // A Secret written with stringData is stored as data: the same manifest is still unchanged.
      expect(again.stdout).toContain('secret/repo-secret unchanged');
      const changed = {
        ...backupConfiguration(),
        spec: { ...backupConfiguration().spec, schedule: '0 3 * * *' },
      };
      const r = await sb.run(['apply', '-f', await sb.manifest('changed.yaml', [changed])]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('backupconfiguration/pg-backup configured');
      const bc = await sb.withStore((s) => s.get('BackupConfiguration', NS, 'pg-backup'));
      expect(bc?.spec.schedule).toBe('0 3 * * *');
      await sb.run(['apply', '-f', base]);
    });

    it('--dry-run validates without writing', async () => {
      const file = await sb.manifest('dry.yaml', [secret('dry-secret')]);
      const r = await sb.run(['apply', '-f', file, '--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('secret/dry-secret valid (dry run)');
      expect(await sb.withStore((s) => s.get('Secret', NS, 'dry-secret'))).toBeUndefined();
    });

    it('a malformed file exits 2 naming file, document, kind/name and field paths; the rest is applied', async () => {
      const file = await sb.manifest(
        'mixed.yaml',
        [
          'apiVersion: v1',
          'kind: Secret',
          'metadata: {name: good-secret, namespace: demo}',
          'stringData: {RESTIC_PASSWORD: x}',
          '---',
          'apiVersion: stash.appscode.com/v1beta1',
          'kind: BackupConfiguration',
          'metadata: {name: bad-bc, namespace: demo}',
          'spec:',
          '  schedule: 5',
          '  repository: {}',
          '  retentionPolicy: {name: x}',
        ].join('\n'),
      );
      const broken = await sb.manifest('broken.yaml', 'a: [\n');
      const r = await sb.run(['apply', '-f', file, '-f', broken]);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('secret/good-secret created');
      expect(r.stderr).toContain(`${file} (document 2): BackupConfiguration/bad-bc is invalid`);
      expect(r.stderr).toContain('spec.schedule');
      expect(r.stderr).toContain('spec.repository.name');
      expect(r.stderr).toContain(broken);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(await sb.withStore((s) => s.get('Secret', NS, 'good-secret'))).toBeDefined();
    });

    it('an unknown kind in a manifest names the supported kinds', async () => {
      const file = await sb.manifest(
        'unknown.yaml',
        'apiVersion: x/v1\nkind: Frobnicator\nmetadata: {name: f}\n',
      );
      const r = await sb.run(['apply', '-f', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /Frobnicator\/f is invalid[\s\S]*kind: unsupported kind "Frobnicator"; expected one of Repository/,
      );
    });

    it('a missing file exits 3', async () => {
      const r = await sb.run(['apply', '-f', join(sb.dir, 'nope.yaml')]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('nope.yaml" does not exist');
    });
  });

  describe('get', () => {
    it("prints Stash's printer columns", async () => {
      const bc = await sb.run(['get', 'bc', '-n', NS]);
      expect(bc.code, bc.stderr).toBe(0);
      const [header, row] = bc.stdout.trim().split('\n');
      expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'TASK', 'SCHEDULE', 'PAUSED', 'PHASE', 'AGE']);
      expect(row).toMatch(/^pg-backup\s+0 0 1 1 \*\s+false\s+\d+s$/);
      const repo = await sb.run(['get', 'repo', '-n', NS]);
      expect(repo.stdout.split('\n')[0]?.split(/\s{2,}/)).toEqual([
        'NAME',
        'INTEGRITY',
        'SIZE',
        'SNAPSHOT-COUNT',
        'LAST-SUCCESSFUL-BACKUP',
        'AGE',
      ]);
      const ab = await sb.run(['get', 'appbindings', '-n', NS]);
      expect(ab.stdout).toMatch(
        /NAME\s+TYPE\s+VERSION\s+AGE\nsample-postgres\s+kubedb.com\/postgres\s+15.1\s+/,
      );
    });

    it('-o yaml and -o json print the object; a list prints as a List', async () => {
      const y = await sb.run(['get', 'repository', 'local-repo', '-n', NS, '-o', 'yaml']);
      expect(y.code, y.stderr).toBe(0);
      const obj = parse(y.stdout) as ObjectOf<'Repository'>;
      expect(obj.kind).toBe('Repository');
      expect(obj.metadata.uid).toBeTruthy();
      const j = await sb.run(['get', 'bc', '-n', NS, '-o', 'json']);
      const list = JSON.parse(j.stdout) as { kind: string; items: Array<{ metadata: { name: string } }> };
      expect(list.kind).toBe('List');
      expect(list.items.map((i) => i.metadata.name)).toEqual(['pg-backup']);
      const n = await sb.run(['get', 'task', '-o', 'name']);
      expect(n.stdout).toContain('task/postgres-restore-15.1');
    });

    it('-A adds a NAMESPACE column and lists every namespace', async () => {
      const other = { ...secret('other-secret'), metadata: { name: 'other-secret', namespace: 'other' } };
      await sb.run(['apply', '-f', await sb.manifest('other.yaml', [other])]);
      const r = await sb.run(['get', 'secrets', '-A']);
      expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+AGE$/);
      expect(r.stdout).toMatch(/demo\s+repo-secret/);
      expect(r.stdout).toMatch(/other\s+other-secret/);
      const ns = await sb.run(['get', 'secrets', '-n', 'other']);
      expect(ns.stdout).not.toContain('repo-secret');
    });

    it('-l filters by labels', async () => {
      const labelled = {
        ...secret('labelled'),
        metadata: { name: 'labelled', namespace: NS, labels: { team: 'db' } },
      };
      await sb.run(['apply', '-f', await sb.manifest('labelled.yaml', [labelled])]);
      const r = await sb.run(['get', 'secret', '-n', NS, '-l', 'team=db', '-o', 'name']);
      expect(r.stdout.trim()).toBe('secret/labelled');
    });

    it('an unknown kind exits 2 with the kinds it knows; a missing object exits 3', async () => {
      const r = await sb.run(['get', 'frobnicators']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'unknown resource type "frobnicators"; expected one of: repository (repo), backupconfiguration (bc)',
      );
      expect(hasStackTrace(r.stderr)).toBe(false);
      const m = await sb.run(['get', 'bc', 'nope', '-n', NS]);
      expect(m.code).toBe(3);
      expect(m.stderr).toContain('BackupConfiguration "nope" not found in namespace "demo"');
      const o = await sb.run(['get', 'bc', '-n', NS, '-o', 'wide']);
      expect(o.code).toBe(2);
      expect(o.stderr).toContain('--output "wide" is not supported');
    });

    it('an unknown command or flag exits 2', async () => {
      expect((await sb.run(['frobnicate'])).code).toBe(2);
      const r = await sb.run(['get', 'bc', '--frob']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unknown option '--frob'");
    });
  });

  describe('describe', () => {
    it('shows spec, status, conditions and events', async () => {
      const t = await sb.run(['trigger', 'pg-backup', '-n', NS]);
      const name = /backupsession\/(\S+) created/.exec(t.stdout)?.[1] ?? '';
      await sb.withStore(async (s) => {
        await s.updateStatus('BackupSession', NS, name, () => ({
          phase: 'Failed' as const,
          conditions: [
            {
              type: 'BackupExecutorEnsured',
              status: 'True' as const,
              reason: 'SuccessfullyEnsuredBackupExecutor',
              message: 'Successfully created backup job',
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        }));
        await s.recordEvent({
          involvedObject: { kind: 'BackupSession', namespace: NS, name },
          type: 'Warning',
          reason: 'BackupSessionFailed',
          message: 'backup of host-0 failed',
          source: 'BackupSession Controller',
        });
      });
      const r = await sb.run(['describe', 'backupsession', name, '-n', NS]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Name:         ${name}`);
      expect(r.stdout).toMatch(/Spec:\n\s+invoker:/);
      expect(r.stdout).toMatch(/Status:\n\s+phase: Failed/);
      expect(r.stdout).toMatch(
        /Conditions:\n\s+Type\s+Status\s+Reason\s+Message\n\s+BackupExecutorEnsured\s+True\s+SuccessfullyEnsuredBackupExecutor\s+Successfully created backup job/,
      );
      expect(r.stdout).toMatch(
        /Events:\n\s+Warning\s+BackupSessionFailed\s+\S+\s+BackupSession Controller: backup of host-0 failed/,
      );
    });

    it('hides Secret values', async () => {
      const r = await sb.run(['describe', 'secret', 'repo-secret', '-n', NS]);
      expect(r.stdout).toContain('RESTIC_PASSWORD: <hidden>');
      expect(r.stdout).not.toContain('test-password');
    });
  });

  describe('trigger', () => {
    it('creates <bc>-xxxxx owned by the BackupConfiguration, with the invoker labels', async () => {
      const r = await sb.run(['trigger', 'pg-backup', '-n', NS]);
      expect(r.code, r.stderr).toBe(0);
      const name = /^backupsession\/(pg-backup-[a-z0-9]{5}) created$/m.exec(r.stdout)?.[1];
      expect(name).toBeDefined();
      const s = await sb.withStore((st) => st.get('BackupSession', NS, name!));
      expect(s?.spec.invoker).toMatchObject({ kind: 'BackupConfiguration', name: 'pg-backup' });
      expect(s?.metadata.labels?.['stash.appscode.com/invoker-name']).toBe('pg-backup');
      expect(s?.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'BackupConfiguration',
        name: 'pg-backup',
      });
    });

    it('exits 3 for a missing BackupConfiguration', async () => {
      const r = await sb.run(['trigger', 'nope', '-n', NS]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('BackupConfiguration "nope" not found in namespace "demo"');
    });

    it('--wait reports progress as log lines off a terminal and exits 0 on Succeeded', async () => {
      const running = sb.start(['trigger', 'pg-backup', '-n', NS, '--wait', '--timeout', '60']);
      const name = await createdName(running, 'backupsession');
      expect(name).toBeDefined();
      // Play the controller and the step: Running, a progress file in the Job's scratch folder, Succeeded.
      await sb.withStore((s) =>
        s.updateStatus('BackupSession', NS, name, () => ({ phase: 'Running' as const })),
      );
      const file = standaloneProgressFile(sb.stateDir, 'BackupSession', NS, name);
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(
        file,
        JSON.stringify({
          percentDone: 0,
          bytesDone: 52_428_800,
          secondsElapsed: 4,
          updatedAt: new Date().toISOString(),
        }),
      );
      await untilPrinted(running, 'a progress log line', (_out, err) => err.includes('"msg":"progress"'));
      await sb.withStore((s) =>
        s.updateStatus('BackupSession', NS, name, () => ({ phase: 'Succeeded' as const })),
      );
      const r = await running.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`backupsession/${name} Succeeded`);
      const lines = logLines(r.stderr);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'phase', phase: 'Running' }));
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'progress',
          object: `backupsession/${name}`,
          bytesDone: 52_428_800,
          bytesPerSecond: 13_107_200,
        }),
      );
    });

    it('--wait exits 1 with the reasons when the session Failed', async () => {
      const running = sb.start(['trigger', 'pg-backup', '-n', NS, '--wait', '--timeout', '60']);
      const name = await createdName(running, 'backupsession');
      await sb.withStore((s) =>
        s.updateStatus('BackupSession', NS, name, () => ({
          phase: 'Failed' as const,
          targets: [
            {
              ref: { kind: 'AppBinding', name: 'sample-postgres' },
              stats: [{ hostname: DEFAULT_HOST, phase: 'Failed' as const, error: 'connection refused' }],
            },
          ],
        })),
      );
      const r = await running.done;
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`backupsession/${name} Failed`);
      expect(r.stderr).toContain(`host ${DEFAULT_HOST}: connection refused`);
    });
  });

  describe('pause and resume', () => {
    it('set spec.paused and say when nothing changed', async () => {
      const p = await sb.run(['pause', 'pg-backup', '-n', NS]);
      expect(p.code, p.stderr).toBe(0);
      expect(p.stdout.trim()).toBe('backupconfiguration/pg-backup paused');
      expect((await sb.withStore((s) => s.get('BackupConfiguration', NS, 'pg-backup')))?.spec.paused).toBe(
        true,
      );
      expect((await sb.run(['pause', 'pg-backup', '-n', NS])).stdout.trim()).toBe(
        'backupconfiguration/pg-backup already paused',
      );
      const g = await sb.run(['get', 'bc', 'pg-backup', '-n', NS]);
      expect(g.stdout).toMatch(/pg-backup\s+\S+ \S+ \S+ \S+ \S+\s+true/);
      const t = await sb.run(['trigger', 'pg-backup', '-n', NS]);
      expect(t.stderr).toContain('is paused');
      const r = await sb.run(['resume', 'pg-backup', '-n', NS]);
      expect(r.stdout.trim()).toBe('backupconfiguration/pg-backup resumed');
      expect((await sb.withStore((s) => s.get('BackupConfiguration', NS, 'pg-backup')))?.spec.paused).toBe(
        false,
      );
    });

    it('get -w prints the object again when it changes', async () => {
      const watching = sb.start(['get', 'bc', 'pg-backup', '-n', NS, '-w']);
      try {
        await untilPrinted(watching, 'the table', (out) => out.includes('pg-backup'));
        expect(watching.stdout()).toMatch(/^NAME\s+TASK/);
        await sb.run(['pause', 'pg-backup', '-n', NS]);
        await untilPrinted(watching, 'the changed row', (out) => out.trim().split('\n').length >= 3);
        const lines = watching.stdout().trim().split('\n');
        expect(lines).toHaveLength(3);
        expect(lines[2]).toMatch(/^pg-backup\s+.*\strue\s/);
      } finally {
        watching.child.kill('SIGTERM');
        await watching.done;
        await sb.run(['resume', 'pg-backup', '-n', NS]);
      }
    });

    it('exit 3 for a missing BackupConfiguration', async () => {
      const r = await sb.run(['resume', 'nope', '-n', NS]);
      expect(r.code).toBe(3);
    });
  });

  describe('restore (user form)', () => {
    /** `stowage restore` of local-repo into sample-postgres, then `more` arguments. */
    const restore = (...more: string[]) => [
      'restore',
      '--from',
      'local-repo',
      '--to',
      'sample-postgres',
      '-n',
      NS,
      ...more,
    ];

    it('creates a RestoreSession from the Repository into the AppBinding', async () => {
      const r = await sb.run(restore('--snapshot', 'local-repo-4bd2f1a0'));
      expect(r.code, r.stderr).toBe(0);
      const name = /^restoresession\/(sample-postgres-restore-[a-z0-9]{5}) created$/m.exec(r.stdout)?.[1];
      expect(name).toBeDefined();
      expect(r.stderr).toContain('with Task postgres-restore-15.1');
      const rs = await sb.withStore((s) => s.get('RestoreSession', NS, name!));
      expect(rs?.spec).toEqual({
        driver: 'Restic',
        repository: { name: 'local-repo' },
        target: {
          ref: {
            apiVersion: 'appcatalog.appscode.com/v1alpha1',
            kind: 'AppBinding',
            name: 'sample-postgres',
          },
        },
        rules: [{ snapshots: ['4bd2f1a0'] }],
      });
    });

    it('--name, --task, --source-hostname and --dry-run', async () => {
      const d = await sb.run([
        'restore',
        '--from=local-repo',
        '--to=sample-postgres',
        '-n',
        NS,
        '--name',
        'restore-1',
        '--task',
        'postgres-restore-16.1',
        '--source-hostname',
        DEFAULT_HOST,
        '--dry-run',
      ]);
      expect(d.code, d.stderr).toBe(0);
      const printed = parse(d.stdout) as ObjectOf<'RestoreSession'>;
      expect(printed.metadata.name).toBe('restore-1');
      expect(printed.spec.task?.name).toBe('postgres-restore-16.1');
      expect(printed.spec.rules).toEqual([{ snapshots: ['latest'], sourceHost: DEFAULT_HOST }]);
      expect(await sb.withStore((s) => s.get('RestoreSession', NS, 'restore-1'))).toBeUndefined();
    });

    it('--wait follows the session: exit 0 on Succeeded, 1 on Failed', async () => {
      for (const [phase, code] of [
        ['Succeeded', 0],
        ['Failed', 1],
      ] as const) {
        const name = `restore-wait-${phase.toLowerCase()}`;
        const running = sb.start(restore('--name', name, '--wait'));
        await createdName(running, 'restoresession');
        await sb.withStore((s) =>
          s.updateStatus('RestoreSession', NS, name, () => ({
            phase,
            ...(phase === 'Failed'
              ? {
                  stats: [
                    { hostname: DEFAULT_HOST, phase: 'Failed' as const, error: 'psql exited with code 3' },
                  ],
                }
              : {}),
          })),
        );
        const r = await running.done;
        expect(r.code, r.stderr).toBe(code);
        expect(r.stdout).toContain(`restoresession/${name} ${phase}`);
        if (phase === 'Failed') expect(r.stderr).toContain(`host ${DEFAULT_HOST}: psql exited with code 3`);
      }
    });

    it('names what is missing or wrong', async () => {
      const cases: Array<[string[], number, string]> = [
        [['restore', '--to', 'sample-postgres', '-n', NS], 2, 'restore needs --from <repository>'],
        [
          ['restore', '--from', 'nope', '--to', 'sample-postgres', '-n', NS],
          3,
          'Repository "nope" in namespace "demo" (--from) not found',
        ],
        [
          ['restore', '--from', 'local-repo', '--to', 'nope', '-n', NS],
          3,
          'AppBinding "nope" in namespace "demo" (--to) not found',
        ],
        [restore('--snapshot', 'x/y'), 2, '--snapshot "x/y" is not a snapshot id'],
        [restore('--task', 'nope-task'), 3, 'Task "nope-task" (--task) is not installed'],
        [
          restore('--name', 'restore-wait-succeeded'),
          1,
          'RestoreSession "restore-wait-succeeded" already exists',
        ],
        [['restore', 'postgres', '--from', 'local-repo', '-n', NS], 2, '--from belongs to the user form'],
        [
          ['restore', '--restoresession', 'x', '-n', NS],
          2,
          '--restoresession belongs to the in-job step, which needs the addon argument',
        ],
        [['restore', 'postgres', '-n', NS], 2, 'the in-job step needs --restoresession'],
      ];
      for (const [args, code, message] of cases) {
        const r = await sb.run(args);
        expect({ args, code: r.code }).toEqual({ args, code });
        expect(r.stderr).toContain(message);
        expect(hasStackTrace(r.stderr)).toBe(false);
      }
    });

    it('an AppBinding without a restore Task needs --task', async () => {
      await sb.run(['apply', '-f', await sb.manifest('ab2.yaml', [appBinding('no-task', null)])]);
      const r = await sb.run(['restore', '--from', 'local-repo', '--to', 'no-task', '-n', NS]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'names no restore Task (spec.parameters.stash.addon.restoreTask.name is empty); add it or pass --task <name>',
      );
    });
  });

  describe('delete', () => {
    it('deletes an object and what it owns; missing objects exit 3 without stopping the others', async () => {
      const before = await sb.withStore((s) => s.list('BackupSession', { namespace: NS }));
      expect(before.length).toBeGreaterThan(0);
      const r = await sb.run(['delete', 'bc', 'nope', 'pg-backup', '-n', NS]);
      expect(r.code).toBe(3);
      expect(r.stdout).toContain('backupconfiguration/pg-backup deleted');
      expect(r.stderr).toContain('BackupConfiguration "nope" not found');
      expect(await sb.withStore((s) => s.list('BackupSession', { namespace: NS }))).toEqual([]);
      const again = await sb.run(['delete', 'bc', 'pg-backup', '-n', NS, '--ignore-not-found']);
      expect(again.code).toBe(0);
    });

    it('-f deletes the objects of a manifest', async () => {
      const file = await sb.manifest('del.yaml', [secret('to-delete')]);
      await sb.run(['apply', '-f', file]);
      const r = await sb.run(['delete', '-f', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('secret/to-delete deleted');
    });

    it('without a name it is a usage error', async () => {
      const r = await sb.run(['delete', 'bc']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage: stowage delete <kind> <name...>');
    });
  });
});
