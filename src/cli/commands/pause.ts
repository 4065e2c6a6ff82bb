import type { Command } from 'commander';
import { openStore, type CliContext } from '../context.ts';
import { setPaused } from '../operations/pause.ts';

export function registerPause(program: Command, ctx: CliContext): void {
  for (const paused of [true, false]) {
    const verb = paused ? 'pause' : 'resume';
    program
      .command(verb)
      .description(
        paused
          ? 'Pause the scheduled backups of a BackupConfiguration (spec.paused=true); running sessions finish'
          : 'Resume the scheduled backups of a paused BackupConfiguration (spec.paused=false)',
      )
      .argument('<backupconfiguration>', 'BackupConfiguration name')
      .option('-n, --namespace <ns>', 'namespace', ctx.defaultNamespace)
      .addHelpText('after', `\nExample:\n  stowage ${verb} sample-postgres-backup -n demo`)
      .action(async (name: string, o: { namespace: string }) => {
        const { changed } = await setPaused(openStore(ctx), o.namespace, name, paused);
        ctx.out(
          `backupconfiguration/${name} ${changed ? `${verb}d` : `already ${verb === 'pause' ? 'paused' : 'active'}`}`,
        );
      });
  }
}
