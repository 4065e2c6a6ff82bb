import type { Command } from 'commander';
import { openStore, repositoryAccess, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { checkRepository } from '../operations/check.ts';

export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description('Verify the integrity of a Repository (restic check); exit 1 when errors are found')
    .argument('<repository>', 'Repository name')
    .option('-n, --namespace <ns>', 'namespace of the Repository', ctx.defaultNamespace)
    .option('--read-data', 'also read and verify every data pack (downloads the whole repository)')
    .option(
      '--read-data-subset <subset>',
      'read a subset of the packs: n/t (e.g. 1/5), x% or a size (e.g. 500M)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  stowage check local-repo -n demo\n  stowage check local-repo -n demo --read-data-subset 10%',
    )
    .action(async (name: string, o: { namespace: string; readData?: boolean; readDataSubset?: string }) => {
      const store = openStore(ctx);
      const result = await checkRepository(
        repositoryAccess(ctx, store),
        { namespace: o.namespace, name },
        {
          ...(o.readData ? { readData: true } : {}),
          ...(o.readDataSubset === undefined ? {} : { readDataSubset: o.readDataSubset }),
        },
      );
      const what = o.readData
        ? ' (structure and all data)'
        : o.readDataSubset
          ? ` (structure and data subset ${o.readDataSubset})`
          : ' (structure)';
      if (result.ok) {
        ctx.out(`repository/${name}: no errors were found${what}`);
        return;
      }
      ctx.out(`repository/${name}: errors found${what}`);
      ctx.warn(`error: ${result.message}`);
      ctx.warn(
        'hint: restic repair index / restic repair snapshots can fix some damage; keep a copy of the repository first',
      );
      process.exitCode = ExitCode.Failed;
    });
}
