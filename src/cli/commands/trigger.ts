import type { Command } from 'commander';
import { createBackupSession } from '../../controllers/backup-session/create.ts';
import { StowageError } from '../../errors.ts';
import { openLocalStore, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { waitForPhase } from '../wait.ts';

export function registerTrigger(program: Command, ctx: CliContext): void {
  program
    .command('trigger')
    .description('Start an instant backup: create a BackupSession for a BackupConfiguration')
    .argument('<backupconfiguration>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--wait', 'wait until the session ends; exit 1 unless it Succeeded')
    .option('--timeout <seconds>', 'give up waiting after this many seconds', '3600')
    .action(async (name: string, o: { namespace: string; wait?: boolean; timeout: string }) => {
      const store = openLocalStore(ctx);
      const bc = await store.get('BackupConfiguration', o.namespace, name);
      if (!bc)
        throw new StowageError(
          'NOT_FOUND',
          `BackupConfiguration "${name}" not found in namespace "${o.namespace}"`,
        );
      const session = await createBackupSession(store, bc, { now: new Date(), generateName: true });
      ctx.out(`backupsession/${session.metadata.name} created`);
      if (!o.wait) return;
      const phase = await waitForPhase(
        ctx,
        store,
        'BackupSession',
        o.namespace,
        session.metadata.name ?? '',
        Number(o.timeout),
      );
      ctx.out(`backupsession/${session.metadata.name} ${phase}`);
      if (phase !== 'Succeeded') process.exitCode = ExitCode.Failed;
    });
}
