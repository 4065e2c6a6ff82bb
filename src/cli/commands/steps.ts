/**
 * The in-job steps the catalog's Functions call: `backup <addon>`, `restore <addon>`,
 * `update-status` and `create-backupsession`. Stash's flag set is accepted in full (the repository
 * flags are informational: the step reads the Repository object itself).
 */
import { hostname as osHostname } from 'node:os';
import type { Command } from 'commander';
import { createBackupSession } from '../../controllers/backup-session/create.ts';
import { StowageError } from '../../errors.ts';
import { runBackupStep } from '../../steps/backup-step.ts';
import { runRestoreStep } from '../../steps/restore-step.ts';
import type { StepContext } from '../../steps/step-context.ts';
import { runUpdateStatus } from '../../steps/update-status-step.ts';
import { openLocalStore, type CliContext } from '../context.ts';
import { progressReporter } from '../progress.ts';

interface CommonFlags {
  namespace: string;
  scratchDir: string;
  enableCache: string;
  waitTimeout: string;
  hostname: string;
  appbinding: string;
  appbindingNamespace?: string;
  repository: string;
  repositoryNamespace?: string;
  args: string;
  backupCmd: string;
  user: string;
  databases: string;
  outputDir: string;
}

function stashRepositoryFlags(cmd: Command): Command {
  for (const f of [
    'provider',
    'bucket',
    'endpoint',
    'region',
    'path',
    'storage-secret-name',
    'storage-secret-namespace',
    'max-connections',
    'insecure-tls',
    'license-apiservice',
  ]) {
    cmd.option(`--${f} <value>`, '(accepted for Stash compatibility; the Repository object is read instead)');
  }
  return cmd
    .option('--namespace <ns>', 'namespace of the session', 'default')
    .option('--scratch-dir <dir>', 'scratch folder', '/stash-tmp')
    .option('--enable-cache <bool>', 'use a restic cache in the scratch folder', 'true')
    .option('--wait-timeout <seconds>', 'how long to wait for the database', '300')
    .option('--hostname <host>', 'restic host of this target', '')
    .option('--appbinding <name>', 'AppBinding of the database', '')
    .option('--appbinding-namespace <ns>', 'namespace of the AppBinding')
    .option('--repository <name>', 'Repository name', '')
    .option('--repository-namespace <ns>', 'Repository namespace')
    .option('--args <args>', 'extra arguments for the dump tool', '')
    .option('--backup-cmd <cmd>', 'pg_dumpall (default) or pg_dump', '')
    .option('--user <user>', 'database user override', '')
    .option('--databases <list>', 'comma list of databases (default: all)', '')
    .option('--output-dir <dir>', 'where output.json goes', '/stash-tmp/output');
}

export function stepContext(ctx: CliContext): StepContext {
  const progress = progressReporter(ctx);
  return {
    store: openLocalStore(ctx),
    logger: ctx.logger,
    now: () => new Date(),
    resticBinary: ctx.config.resticBinary,
    processEnv: { PATH: ctx.config.childEnv.PATH ?? '', HOME: ctx.config.childEnv.HOME ?? '' },
    pushgatewayUrl: ctx.config.pushgatewayUrl,
    ...(progress ? { onProgress: progress } : {}),
  };
}

function common(f: CommonFlags) {
  if (!f.appbinding) throw new StowageError('USAGE', '--appbinding is required');
  if (!f.repository) throw new StowageError('USAGE', '--repository is required');
  return {
    namespace: f.namespace,
    appBinding: { namespace: f.appbindingNamespace || f.namespace, name: f.appbinding },
    repository: { namespace: f.repositoryNamespace || f.namespace, name: f.repository },
    hostname: f.hostname || 'host-0',
    scratchDir: f.scratchDir,
    enableCache: f.enableCache !== 'false',
    waitTimeoutSeconds: Number(f.waitTimeout) || 300,
    outputDir: f.outputDir,
    args: f.args.split(/\s+/).filter(Boolean),
    params: Object.fromEntries(
      Object.entries({ backupCMD: f.backupCmd, user: f.user, databases: f.databases }).filter(
        ([, v]) => v !== '',
      ),
    ),
  };
}

export function registerSteps(program: Command, ctx: CliContext): void {
  stashRepositoryFlags(program.command('backup', { hidden: true }))
    .description('(in-job step) dump a database into the repository')
    .argument('<addon>', 'database family, e.g. postgres')
    .requiredOption('--backupsession <name>', 'BackupSession being run')
    .action(async (addon: string, f: CommonFlags & { backupsession: string }) => {
      await runBackupStep(stepContext(ctx), { addon, backupSession: f.backupsession, ...common(f) });
    });

  stashRepositoryFlags(program.command('restore', { hidden: true }))
    .description('(in-job step) load a dump from the repository into a database')
    .argument('<addon>', 'database family, e.g. postgres')
    .requiredOption('--restoresession <name>', 'RestoreSession being run')
    .option('--snapshot <ids>', 'snapshot ids or latest', 'latest')
    .option('--source-hostname <host>', 'restic host the backup was taken from', '')
    .action(
      async (
        addon: string,
        f: CommonFlags & { restoresession: string; snapshot: string; sourceHostname: string },
      ) => {
        await runRestoreStep(stepContext(ctx), {
          addon,
          restoreSession: f.restoresession,
          snapshot: f.snapshot,
          sourceHostname: f.sourceHostname,
          ...common(f),
        });
      },
    );

  program
    .command('update-status', { hidden: true })
    .description('(in-job step) write the step results into the session and the Repository')
    .option('--namespace <ns>', 'namespace', 'default')
    .option('--backupsession <name>', '', '')
    .option('--restoresession <name>', '', '')
    .option('--repository <name>', '', '')
    .option('--repository-namespace <ns>')
    .option('--invoker-kind <kind>', '', '')
    .option('--invoker-name <name>', '', '')
    .option('--target-kind <kind>', '', 'AppBinding')
    .option('--target-name <name>', '', '')
    .option('--target-namespace <ns>')
    .option('--output-dir <dir>', '', '/stash-tmp/output')
    .option('--scratch-dir <dir>', '', '/stash-tmp')
    .option('--enable-cache <bool>', '', 'true')
    .option('--metrics-enabled <bool>', '', 'true')
    .option('--metrics-pushgateway-url <url>', '', '')
    .action(async (f: Record<string, string>) => {
      const ns = f.namespace ?? 'default';
      const sctx = stepContext(ctx);
      if (f.metricsPushgatewayUrl && f.metricsEnabled !== 'false')
        sctx.pushgatewayUrl = f.metricsPushgatewayUrl;
      if (f.metricsEnabled === 'false') sctx.pushgatewayUrl = undefined;
      await runUpdateStatus(sctx, {
        namespace: ns,
        ...(f.backupsession ? { backupSession: f.backupsession } : {}),
        ...(f.restoresession ? { restoreSession: f.restoresession } : {}),
        repository: { namespace: f.repositoryNamespace || ns, name: f.repository ?? '' },
        target: {
          apiVersion: 'appcatalog.appscode.com/v1alpha1',
          kind: f.targetKind || 'AppBinding',
          name: f.targetName ?? '',
          namespace: f.targetNamespace || ns,
        },
        outputDir: f.outputDir ?? '/stash-tmp/output',
        scratchDir: f.scratchDir ?? '/stash-tmp',
        enableCache: f.enableCache !== 'false',
      });
    });

  program
    .command('create-backupsession', { hidden: true })
    .description('(CronJob step) create a BackupSession for a BackupConfiguration')
    .requiredOption('--invoker-name <name>')
    .option('--invoker-kind <kind>', '', 'BackupConfiguration')
    .option('--namespace <ns>', '', 'default')
    .action(async (f: { invokerName: string; invokerKind: string; namespace: string }) => {
      const store = openLocalStore(ctx);
      const bc = await store.get('BackupConfiguration', f.namespace, f.invokerName);
      if (!bc)
        throw new StowageError('NOT_FOUND', `BackupConfiguration ${f.namespace}/${f.invokerName} not found`);
      const s = await createBackupSession(store, bc, { now: new Date() });
      ctx.out(`backupsession/${s.metadata.name} created`);
    });
}

export const defaultHostname = osHostname;
