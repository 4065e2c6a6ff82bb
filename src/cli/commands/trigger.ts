import type { Command } from 'commander';
import { createBackupSession } from '../../controllers/backup-session/create.ts';
import { StowageError } from '../../errors.ts';
import { openStore, sessionProgress, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { parseSeconds } from '../flags.ts';
import { reportOutcome, waitForSession } from '../wait.ts';

export function registerTrigger(program: Command, ctx: CliContext): void {
  program
    .command('trigger')
    .description('Start an instant backup: create a BackupSession <bc>-xxxxx for a BackupConfiguration')
    .argument('<backupconfiguration>', 'BackupConfiguration name')
    .option('-n, --namespace <ns>', 'namespace', ctx.defaultNamespace)
    .option('--wait', 'follow the session (progress bar on a terminal); exit 1 unless it Succeeded')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this many seconds', '3600')
    .addHelpText(
      'after',
      '\nExamples:\n  stowage trigger sample-postgres-backup -n demo\n  stowage trigger sample-postgres-backup -n demo --wait',
    )
    .action(async (name: string, o: { namespace: string; wait?: boolean; timeout: string }) => {
      const timeoutSeconds = parseSeconds('--timeout', o.timeout);
      const store = openStore(ctx);
      const bc = await store.get('BackupConfiguration', o.namespace, name);
      if (!bc)
        throw new StowageError(
          'NOT_FOUND',
          `BackupConfiguration "${name}" not found in namespace "${o.namespace}"; list them with: stowage get bc -n ${o.namespace}`,
        );
      if (bc.spec.paused)
        ctx.warn(
          `warning: backupconfiguration/${name} is paused; the instant backup runs anyway (resume the schedule with: stowage resume ${name} -n ${o.namespace})`,
        );
      const session = await createBackupSession(store, bc, { now: new Date(), generateName: true });
      const sessionName = session.metadata.name ?? '';
      ctx.out(`backupsession/${sessionName} created`);
      if (!o.wait) return;
      const outcome = await waitForSession(ctx, store, 'BackupSession', o.namespace, sessionName, {
        timeoutSeconds,
        progress: sessionProgress(ctx),
      });
      if (!reportOutcome(ctx, `backupsession/${sessionName}`, outcome)) process.exitCode = ExitCode.Failed;
    });
}
