import type { Command } from 'commander';
import { openStore, repositoryAccess, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { describeLock, unlockRepository } from '../operations/unlock.ts';

export function registerUnlock(program: Command, ctx: CliContext): void {
  program
    .command('unlock')
    .description(
      'Remove stale restic locks of a Repository (those of processes that are gone); exit 4 when live locks remain',
    )
    .argument('<repository>', 'Repository name')
    .option('-n, --namespace <ns>', 'namespace of the Repository', ctx.defaultNamespace)
    .option(
      '--remove-all',
      'remove every lock, including those of running backups and prunes (only when you know none runs)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  stowage unlock local-repo -n demo\n  stowage unlock local-repo -n demo --remove-all',
    )
    .action(async (name: string, o: { namespace: string; removeAll?: boolean }) => {
      const store = openStore(ctx);
      if (o.removeAll)
        ctx.warn(
          `WARNING: --remove-all removes EVERY lock of Repository "${name}", including locks of backups or prunes that are still running.\n` +
            'WARNING: if any restic process still uses this repository, a prune can delete data a running backup needs.\n' +
            'WARNING: use it only when you are sure nothing runs (stop `stowage serve` and its jobs first).',
        );
      const result = await unlockRepository(
        repositoryAccess(ctx, store),
        { namespace: o.namespace, name },
        {
          removeAll: o.removeAll ?? false,
          beforeRemoveAll: (locks) => {
            for (const l of locks) ctx.warn(`WARNING: removing ${describeLock(l)}`);
          },
        },
      );
      if (result.removed.length === 0 && result.kept.length === 0) {
        ctx.out(`repository/${name}: no locks`);
        return;
      }
      for (const l of result.removed) ctx.out(`removed ${describeLock(l)}`);
      for (const l of result.kept) ctx.out(`kept ${describeLock(l)} (its holder may still be running)`);
      if (result.kept.length > 0) {
        ctx.warn(
          `repository/${name} is still locked by ${result.kept.length} lock(s) whose holder may be alive; wait for it to finish, or use --remove-all if you are sure it is gone`,
        );
        process.exitCode = ExitCode.Busy;
      }
    });
}
