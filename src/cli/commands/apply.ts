import type { Command } from 'commander';
import { applyObjects } from '../../runtime/standalone/apply.ts';
import { openStore, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { readManifests } from '../manifest-files.ts';

export function registerApply(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description('Create or update objects from manifest files or folders')
    .requiredOption('-f, --filename <path...>', 'manifest file or folder (repeatable)')
    .option('-n, --namespace <ns>', 'namespace for objects that name none', ctx.defaultNamespace)
    .option('--dry-run', 'validate only; change nothing')
    .action(async (o: { filename: string[]; namespace: string; dryRun?: boolean }) => {
      const { objects, errors } = readManifests(o.filename);
      for (const e of errors) process.stderr.write(`error: ${e.message}\n`);
      const store = o.dryRun ? undefined : openStore(ctx);
      const outcomes = store
        ? await applyObjects(store, objects, { defaultNamespace: o.namespace })
        : await applyObjects(undefined as never, objects, { dryRun: true, defaultNamespace: o.namespace });
      let failed = errors.length > 0;
      for (const r of outcomes) {
        const id = `${r.object.kind.toLowerCase()}/${r.object.metadata.name ?? r.object.metadata.generateName ?? ''}`;
        if (r.action === 'failed') {
          failed = true;
          process.stderr.write(`error: ${r.source}: ${id}: ${r.error ?? ''}\n`);
        } else {
          ctx.out(`${id} ${r.action === 'valid' ? 'valid (dry run)' : r.action}`);
        }
      }
      if (failed) process.exitCode = ExitCode.InvalidInput;
    });
}
