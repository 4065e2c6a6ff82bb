/**
 * `stowage restore` has two forms that share the name:
 *  - the user form: `restore --from <repository> --to <appbinding>` creates a RestoreSession (and
 *    with --wait follows it);
 *  - the in-job step the catalog's restore Functions run: `restore <addon> --restoresession …`.
 * The addon argument decides the form; flags of the other form are a usage error.
 */
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { StowageError } from '../../errors.ts';
import { openStore, sessionProgress, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { parseSeconds } from '../flags.ts';
import {
  createRestoreSession,
  prepareRestoreSession,
  type RestoreRequest,
} from '../operations/restore-session.ts';
import { reportOutcome, waitForSession } from '../wait.ts';
import { common, stashRepositoryFlags, stepContext, type CommonFlags } from './steps.ts';

interface RestoreFlags extends CommonFlags {
  // user form
  from?: string;
  fromNamespace?: string;
  to?: string;
  name?: string;
  task?: string;
  wait?: boolean;
  timeout: string;
  dryRun?: boolean;
  // both
  snapshot: string;
  sourceHostname?: string;
  // in-job form
  restoresession?: string;
}

const USER_USAGE =
  'stowage restore --from <repository> --to <appbinding> [--snapshot <id>|latest] [-n <ns>] [--wait]';
const STEP_USAGE =
  'stowage restore <addon> --restoresession <name> --appbinding <name> --repository <name> (in-job step)';

export function registerRestore(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('restore')
    .summary('Restore a database from a Repository: create a RestoreSession for an AppBinding')
    .description(
      'Restore a database from a Repository: creates a RestoreSession for the AppBinding (--wait follows it).\n' +
        'With an <addon> argument it is the in-job step the restore Functions run.',
    )
    .usage(`--from <repository> --to <appbinding> [options]\n       ${STEP_USAGE}`)
    .argument('[addon]', 'in-job step form only: database family, e.g. postgres')
    .option('--from <repository>', 'Repository holding the backup')
    .option('--from-namespace <ns>', 'namespace of the Repository (default: --namespace)')
    .option('--to <appbinding>', 'AppBinding of the database to restore into')
    .option('--snapshot <id>', 'snapshot id, Snapshot name (<repo>-<id>) or latest', 'latest')
    .option(
      '--source-hostname <host>',
      'restic host the backup was taken as (default: the target host, host-0)',
    )
    .option('--name <name>', 'RestoreSession name (default: <appbinding>-restore-xxxxx)')
    .option(
      '--task <name>',
      "restore Task (default: the AppBinding's spec.parameters.stash.addon.restoreTask)",
    )
    .option('--wait', 'follow the RestoreSession; exit 1 unless it Succeeded')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this many seconds', '3600')
    .option('--dry-run', 'print the RestoreSession instead of creating it');
  stashRepositoryFlags(cmd, { hidden: true, namespaceShort: true, defaultNamespace: ctx.defaultNamespace })
    .addOption(new Option('--restoresession <name>', 'in-job step form: RestoreSession being run').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  stowage restore --from local-repo --to sample-postgres -n demo --wait\n' +
        '  stowage restore --from local-repo --to sample-postgres -n demo --snapshot 4bd2f1a0 --name restore-1',
    )
    .action(async (addon: string | undefined, f: RestoreFlags) => {
      if (addon !== undefined) await runInJob(ctx, addon, f);
      else await runUserForm(ctx, f);
    });
}

/** Throws USAGE when any of `flags` (name, value) is set: they belong to the other form of restore. */
function rejectOtherForm(
  flags: ReadonlyArray<readonly [name: string, value: unknown]>,
  explain: (names: string, belong: string) => string,
): void {
  const set = flags.filter(([, v]) => v !== undefined).map(([name]) => name);
  if (set.length)
    throw new StowageError('USAGE', explain(set.join(', '), set.length === 1 ? 'belongs' : 'belong'));
}

async function runInJob(ctx: CliContext, addon: string, f: RestoreFlags): Promise<void> {
  rejectOtherForm(
    [
      ['--from', f.from],
      ['--from-namespace', f.fromNamespace],
      ['--to', f.to],
      ['--name', f.name],
      ['--task', f.task],
      ['--wait', f.wait],
      ['--dry-run', f.dryRun],
    ],
    (names, belong) =>
      `${names} ${belong} to the user form (${USER_USAGE}); with an addon argument ("${addon}") restore is the in-job step: ${STEP_USAGE}`,
  );
  if (!f.restoresession)
    throw new StowageError('USAGE', `the in-job step needs --restoresession: ${STEP_USAGE}`);
  const sctx = stepContext(ctx, { label: `restoresession/${f.restoresession}`, scratchDir: f.scratchDir });
  const { runRestoreStep } = await import('../../steps/restore-step.ts');
  await runRestoreStep(sctx, {
    addon,
    restoreSession: f.restoresession,
    snapshot: f.snapshot,
    sourceHostname: f.sourceHostname ?? '',
    ...common(f),
  });
}

/** The RestoreSession the user form asks for; the step form's flags and a missing --from/--to are usage errors. */
function userRequest(f: RestoreFlags): RestoreRequest {
  rejectOtherForm(
    [
      ['--restoresession', f.restoresession],
      ['--appbinding', f.appbinding || undefined],
      ['--repository', f.repository || undefined],
    ],
    (names, belong) =>
      `${names} ${belong} to the in-job step, which needs the addon argument (${STEP_USAGE}); to restore a database use: ${USER_USAGE}`,
  );
  if (!f.from || !f.to)
    throw new StowageError(
      'USAGE',
      `restore needs ${[!f.from ? '--from <repository>' : '', !f.to ? '--to <appbinding>' : ''].filter(Boolean).join(' and ')}\nusage: ${USER_USAGE}\n       ${STEP_USAGE}`,
    );
  return {
    namespace: f.namespace,
    repository: f.from,
    ...(f.fromNamespace ? { repositoryNamespace: f.fromNamespace } : {}),
    appBinding: f.to,
    snapshot: f.snapshot,
    ...(f.sourceHostname ? { sourceHost: f.sourceHostname } : {}),
    ...(f.name ? { name: f.name } : {}),
    ...(f.task ? { task: f.task } : {}),
  };
}

async function runUserForm(ctx: CliContext, f: RestoreFlags): Promise<void> {
  const request = userRequest(f);
  const timeoutSeconds = parseSeconds('--timeout', f.timeout);
  const store = openStore(ctx);
  if (f.dryRun) {
    const { session } = await prepareRestoreSession(store, request);
    ctx.out(stringify(session));
    return;
  }
  const { session, task } = await createRestoreSession(store, request);
  const name = session.metadata.name ?? '';
  ctx.out(`restoresession/${name} created`);
  ctx.warn(
    `restoring snapshot ${session.spec.rules?.[0]?.snapshots?.[0] ?? 'latest'} of repository/${request.repository} into appbinding/${request.appBinding} with Task ${task}`,
  );
  if (!f.wait) return;
  const outcome = await waitForSession(ctx, store, 'RestoreSession', f.namespace, name, {
    timeoutSeconds,
    progress: sessionProgress(ctx),
  });
  if (!reportOutcome(ctx, `restoresession/${name}`, outcome)) process.exitCode = ExitCode.Failed;
}
