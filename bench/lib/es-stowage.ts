/**
 * Stowage's side of the Elasticsearch bench: the in-job steps exactly as a Job runs them
 * (`bin/stowage backup elasticsearch …` / `restore elasticsearch …` with the catalog Function's
 * flags), against a state folder holding the applied objects (a KubeDB-style AppBinding, its
 * Secret, a local Repository). No interim volume: the dump streams into restic. Measured like
 * multielasticdump: wall time, peak RSS of the process tree (node step + dump/load program +
 * restic), docs/s over the same documents.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toolPath } from '../../test/harness/tools.ts';
import type { EsTarget } from './es-http.ts';
import type { ToolRun } from './es-report.ts';
import { runTimed } from './proc.ts';

const root = resolve(import.meta.dirname, '../..');
const stowageBin = join(root, 'bin/stowage');
const NS = 'bench';
const RESTIC_PASSWORD = 'bench-restic-password';

export interface StowageBenchContext {
  target: EsTarget;
  work: string;
  docs: number;
  indices: string[];
  /** What the step's `--es-args` get (index selection). */
  args: string;
}

export interface StowageRunner {
  run(direction: 'backup' | 'restore'): Promise<ToolRun & { log: string }>;
}

export async function stowageRunner(ctx: StowageBenchContext): Promise<StowageRunner> {
  const state = join(ctx.work, 'stowage-state');
  const repo = join(ctx.work, 'stowage-repo');
  const manifestDir = join(ctx.work, 'stowage-manifests');
  mkdirSync(manifestDir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? ctx.work,
    STOWAGE_STATE_DIR: state,
    STOWAGE_RESTIC: await toolPath('restic'),
    STOWAGE_LOG_LEVEL: 'info',
    STOWAGE_LOG_FORMAT: 'json',
  };
  const q = (s: string) => JSON.stringify(s);
  const clientConfig = ctx.target.caPem
    ? `{url: ${q(ctx.target.url)}, caBundle: ${q(Buffer.from(ctx.target.caPem).toString('base64'))}}`
    : `{url: ${q(ctx.target.url)}}`;
  writeFileSync(
    join(manifestDir, 'objects.yaml'),
    `apiVersion: v1
kind: Secret
metadata: {name: repo-secret, namespace: ${NS}}
stringData: {RESTIC_PASSWORD: ${q(RESTIC_PASSWORD)}}
---
apiVersion: v1
kind: Secret
metadata: {name: es-auth, namespace: ${NS}}
stringData: {username: ${q(ctx.target.auth?.username ?? '')}, password: ${q(ctx.target.auth?.password ?? '')}}
---
apiVersion: stash.appscode.com/v1alpha1
kind: Repository
metadata: {name: repo, namespace: ${NS}}
spec:
  backend:
    local: {mountPath: ${q(repo)}}
    storageSecretName: repo-secret
---
apiVersion: appcatalog.appscode.com/v1alpha1
kind: AppBinding
metadata: {name: es, namespace: ${NS}}
spec:
  type: kubedb.com/elasticsearch
  clientConfig: ${clientConfig}
  ${ctx.target.auth ? 'secret: {name: es-auth}' : ''}
---
apiVersion: stash.appscode.com/v1beta1
kind: BackupConfiguration
metadata: {name: es-backup, namespace: ${NS}}
spec:
  schedule: '0 0 1 1 *'
  repository: {name: repo}
  target: {ref: {apiVersion: appcatalog.appscode.com/v1alpha1, kind: AppBinding, name: es}}
  retentionPolicy: {name: keep-last-5, keepLast: 5, prune: false}
---
apiVersion: stash.appscode.com/v1beta1
kind: BackupSession
metadata: {name: bench-backup, namespace: ${NS}}
spec:
  invoker: {apiGroup: stash.appscode.com, kind: BackupConfiguration, name: es-backup}
`,
    { mode: 0o600 },
  );
  execFileSync(stowageBin, ['apply', '-f', manifestDir], { env, encoding: 'utf8' });
  rmSync(repo, { recursive: true, force: true });

  return {
    async run(direction) {
      const scratch = join(ctx.work, 'stowage-jobs', direction, 'stash-tmp');
      rmSync(join(ctx.work, 'stowage-jobs', direction), { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true });
      // The catalog Function's args (deploy/catalog/elasticsearch.yaml) as the job runner resolves them.
      const argv = [
        stowageBin,
        direction,
        'elasticsearch',
        '--provider=local',
        '--storage-secret-name=repo-secret',
        `--storage-secret-namespace=${NS}`,
        `--scratch-dir=${scratch}`,
        '--enable-cache=true',
        '--wait-timeout=300',
        '--hostname=host-0',
        `--interim-data-dir=${join(scratch, 'stash-interim-volume/data')}`,
        `--namespace=${NS}`,
        '--appbinding=es',
        `--appbinding-namespace=${NS}`,
        ...(direction === 'backup' ? ['--backupsession=bench-backup'] : ['--restoresession=bench-restore']),
        ...(direction === 'restore' ? ['--source-hostname=host-0', '--snapshot=latest'] : []),
        '--repository=repo',
        `--repository-namespace=${NS}`,
        `--es-args=${ctx.args}`,
        `--output-dir=${join(scratch, 'output')}`,
      ];
      const log = join(ctx.work, `stowage-${direction}.log`);
      const timed = await runTimed(argv, env, log);
      const output = JSON.parse(readFileSync(join(scratch, 'output', 'output.json'), 'utf8')) as {
        targetStatus: { stats: Array<{ phase: string; error?: string }> };
      };
      const host = output.targetStatus.stats[0];
      if (timed.exitCode !== 0 || host?.phase !== 'Succeeded')
        throw new Error(
          `Stowage ${direction} failed (${host?.error ?? `exit ${timed.exitCode}`}); log ${log}`,
        );
      return {
        seconds: Math.round(timed.seconds * 100) / 100,
        docs_per_second: Math.round(ctx.docs / timed.seconds),
        peak_rss_mb: Math.round(timed.tree.treePeakMb),
        bytes: null,
        log,
      };
    },
  };
}
