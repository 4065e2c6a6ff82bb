/**
 * The in-job steps the catalog's Functions call: `backup <addon>`, `update-status` and
 * `create-backupsession` here; `restore <addon>` shares its command with the user-facing restore
 * (./restore.ts). Stash's flag set is accepted in full (the repository flags are informational:
 * the step reads the Repository object itself).
 */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { StowageError } from '../../errors.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';
import { DEFAULT_HOST } from '../../core/hostname.ts';
import { OUTPUT_DIR, SCRATCH_DIR } from '../../core/job-volumes.ts';
import type { StepContext } from '../../steps/step-context.ts';
import type { ResticProgress } from '../../engine/types.ts';
import { openStore, type CliContext } from '../context.ts';
import { progressReporter } from '../progress.ts';
import { PROGRESS_FILE, progressFileWriter } from '../session-progress.ts';

export interface CommonFlags {
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
  esArgs: string;
  interimDataDir?: string;
}

/**
 * The flags of the in-job `backup`/`restore` steps. `hidden` keeps them out of the help of the
 * user-facing `restore` command, which shares its name with the in-job step.
 */
export function stashRepositoryFlags(
  cmd: Command,
  o: { hidden?: boolean; namespaceShort?: boolean; defaultNamespace?: string } = {},
): Command {
  const add = (flags: string, description: string, defaultValue?: string) => {
    const opt = new Option(flags, description).hideHelp(o.hidden ?? false);
    cmd.addOption(defaultValue === undefined ? opt : opt.default(defaultValue));
  };
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
    add(`--${f} <value>`, '(accepted for Stash compatibility; the Repository object is read instead)');
  }
  cmd.addOption(
    new Option(
      o.namespaceShort ? '-n, --namespace <ns>' : '--namespace <ns>',
      'namespace of the session',
    ).default(o.defaultNamespace ?? DEFAULT_NAMESPACE),
  );
  add('--scratch-dir <dir>', 'scratch folder', SCRATCH_DIR);
  add('--enable-cache <bool>', 'use a restic cache in the scratch folder', 'true');
  add('--wait-timeout <seconds>', 'how long to wait for the database', '300');
  add('--hostname <host>', 'restic host of this target', '');
  add('--appbinding <name>', 'AppBinding of the database', '');
  add('--appbinding-namespace <ns>', 'namespace of the AppBinding');
  add('--repository <name>', 'Repository name', '');
  add('--repository-namespace <ns>', 'Repository namespace');
  add('--args <args>', 'extra arguments for the dump tool', '');
  add('--es-args <args>', 'extra arguments for the Elasticsearch dump/load (Stash name of --args)', '');
  add('--interim-data-dir <dir>', 'interim folder (Stash INTERIM_DATA_DIR); see docs/elasticsearch.md');
  add('--backup-cmd <cmd>', 'pg_dumpall (default) or pg_dump', '');
  add('--user <user>', 'database user override', '');
  add('--databases <list>', 'comma list of databases (default: all)', '');
  add('--output-dir <dir>', 'where output.json goes', OUTPUT_DIR);
  return cmd;
}

/**
 * What a step process gets. With `progress`, restic's progress goes to a live line (terminal) or
 * log lines (a Job's log file), and to `<scratch dir>/progress.json` for `trigger --wait`.
 */
export function stepContext(ctx: CliContext, progress?: { label: string; scratchDir: string }): StepContext {
  let onProgress: ((p: ResticProgress) => void) | undefined;
  if (progress) {
    const file = progressFileWriter(join(progress.scratchDir, PROGRESS_FILE));
    const report = progressReporter(ctx, progress.label);
    onProgress = (p) => {
      file(p);
      report(p);
    };
  }
  return {
    store: openStore(ctx),
    logger: ctx.logger,
    now: () => new Date(),
    resticBinary: ctx.config.resticBinary,
    processEnv: { PATH: ctx.config.childEnv.PATH ?? '', HOME: ctx.config.childEnv.HOME ?? '' },
    pushgatewayUrl: ctx.config.pushgatewayUrl,
    ...(onProgress ? { onProgress } : {}),
  };
}

export function common(f: CommonFlags) {
  if (!f.appbinding) throw new StowageError('USAGE', '--appbinding is required');
  if (!f.repository) throw new StowageError('USAGE', '--repository is required');
  return {
    namespace: f.namespace,
    appBinding: { namespace: f.appbindingNamespace || f.namespace, name: f.appbinding },
    repository: { namespace: f.repositoryNamespace || f.namespace, name: f.repository },
    hostname: f.hostname || DEFAULT_HOST,
    scratchDir: f.scratchDir,
    enableCache: f.enableCache !== 'false',
    waitTimeoutSeconds: Number(f.waitTimeout) || 300,
    outputDir: f.outputDir,
    args: [f.args, f.esArgs].join(' ').split(/\s+/).filter(Boolean),
    interimDataDir: f.interimDataDir || undefined,
    params: Object.fromEntries(
      Object.entries({ backupCMD: f.backupCmd, user: f.user, databases: f.databases }).filter(
        ([, v]) => v !== '',
      ),
    ),
  };
}

export function registerSteps(program: Command, ctx: CliContext): void {
  registerBackupStep(program, ctx);
  registerUpdateStatusStep(program, ctx);
  registerCreateBackupSession(program, ctx);
}

function registerBackupStep(program: Command, ctx: CliContext): void {
  stashRepositoryFlags(program.command('backup', { hidden: true }))
    .description('(in-job step) dump a database into the repository')
    .argument('<addon>', 'database family, e.g. postgres')
    .requiredOption('--backupsession <name>', 'BackupSession being run')
    .action(async (addon: string, f: CommonFlags & { backupsession: string }) => {
      const sctx = stepContext(ctx, { label: `backupsession/${f.backupsession}`, scratchDir: f.scratchDir });
      // Loaded here, not at the top: each step process loads only its own step (see ./index.ts).
      const { runBackupStep } = await import('../../steps/backup-step.ts');
      await runBackupStep(sctx, { addon, backupSession: f.backupsession, ...common(f) });
    });
}

/** The flags of update-status, as the catalog's update-status Function passes them. */
interface UpdateStatusFlags {
  namespace: string;
  backupsession: string;
  restoresession: string;
  repository: string;
  repositoryNamespace?: string;
  invokerKind: string;
  invokerName: string;
  targetKind: string;
  targetName: string;
  targetNamespace?: string;
  outputDir: string;
  scratchDir: string;
  enableCache: string;
  metricsEnabled: string;
  metricsPushgatewayUrl: string;
}

/** update-status's flags (the catalog's update-status Function passes them all) and their defaults. */
const UPDATE_STATUS_OPTIONS: ReadonlyArray<readonly [flags: string, defaultValue?: string]> = [
  ['--namespace <ns>', DEFAULT_NAMESPACE],
  ['--backupsession <name>', ''],
  ['--restoresession <name>', ''],
  ['--repository <name>', ''],
  ['--repository-namespace <ns>'],
  ['--invoker-kind <kind>', ''],
  ['--invoker-name <name>', ''],
  ['--target-kind <kind>', 'AppBinding'],
  ['--target-name <name>', ''],
  ['--target-namespace <ns>'],
  ['--output-dir <dir>', OUTPUT_DIR],
  ['--scratch-dir <dir>', SCRATCH_DIR],
  ['--enable-cache <bool>', 'true'],
  ['--metrics-enabled <bool>', 'true'],
  ['--metrics-pushgateway-url <url>', ''],
];

function registerUpdateStatusStep(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('update-status', { hidden: true })
    .description('(in-job step) write the step results into the session and the Repository');
  for (const [flags, defaultValue] of UPDATE_STATUS_OPTIONS) cmd.option(flags, '', defaultValue);
  cmd.action((f: UpdateStatusFlags) => runUpdateStatusStep(ctx, f));
}

async function runUpdateStatusStep(ctx: CliContext, f: UpdateStatusFlags): Promise<void> {
  const ns = f.namespace;
  const sctx = stepContext(ctx);
  // --metrics-enabled=false wins over a Pushgateway URL; without a URL the operator's one is used.
  if (f.metricsEnabled === 'false') sctx.pushgatewayUrl = undefined;
  else if (f.metricsPushgatewayUrl) sctx.pushgatewayUrl = f.metricsPushgatewayUrl;
  const { runUpdateStatus } = await import('../../steps/update-status-step.ts');
  await runUpdateStatus(sctx, {
    namespace: ns,
    ...(f.backupsession ? { backupSession: f.backupsession } : {}),
    ...(f.restoresession ? { restoreSession: f.restoresession } : {}),
    repository: { namespace: f.repositoryNamespace || ns, name: f.repository },
    target: {
      apiVersion: 'appcatalog.appscode.com/v1alpha1',
      kind: f.targetKind || 'AppBinding',
      name: f.targetName,
      namespace: f.targetNamespace || ns,
    },
    outputDir: f.outputDir,
    scratchDir: f.scratchDir,
    enableCache: f.enableCache !== 'false',
  });
}

function registerCreateBackupSession(program: Command, ctx: CliContext): void {
  program
    .command('create-backupsession', { hidden: true })
    .description('(CronJob step) create a BackupSession for a BackupConfiguration')
    .requiredOption('--invoker-name <name>')
    .option('--invoker-kind <kind>', '', 'BackupConfiguration')
    .option('--namespace <ns>', '', DEFAULT_NAMESPACE)
    .action(async (f: { invokerName: string; invokerKind: string; namespace: string }) => {
      const store = openStore(ctx);
      const bc = await store.get('BackupConfiguration', f.namespace, f.invokerName);
      if (!bc)
        throw new StowageError('NOT_FOUND', `BackupConfiguration ${f.namespace}/${f.invokerName} not found`);
      const { createBackupSession } = await import('../../controllers/backup-session/create.ts');
      const s = await createBackupSession(store, bc, { now: new Date() });
      ctx.out(`backupsession/${s.metadata.name} created`);
    });
}
