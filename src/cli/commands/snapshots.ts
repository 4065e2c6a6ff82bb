import type { Command } from 'commander';
import { openStore, repositoryAccess, type CliContext } from '../context.ts';
import { listSnapshots, renderSnapshotTable, toSnapshotObject } from '../operations/snapshots.ts';
import { parseOutput, printStructured } from '../output.ts';

export function registerSnapshots(program: Command, ctx: CliContext): void {
  program
    .command('snapshots')
    .description("List the restic snapshots of a Repository (as Stash's Snapshot objects)")
    .argument('<repository>', 'Repository name')
    .option('-n, --namespace <ns>', 'namespace of the Repository', ctx.defaultNamespace)
    .option('--host <hostname>', 'only snapshots of this restic host (e.g. host-0)')
    .option('-o, --output <format>', 'yaml | json (Snapshot objects)')
    .addHelpText(
      'after',
      '\nExamples:\n  stowage snapshots local-repo -n demo\n  stowage snapshots local-repo -n demo --host host-0 -o json',
    )
    .action(async (name: string, o: { namespace: string; host?: string; output?: string }) => {
      const output = parseOutput(o.output, ['table', 'yaml', 'json']);
      const ref = { namespace: o.namespace, name };
      const store = openStore(ctx);
      const snapshots = await listSnapshots(
        repositoryAccess(ctx, store),
        ref,
        o.host === undefined ? {} : { host: o.host },
      );
      if (output === 'yaml' || output === 'json')
        printStructured(ctx, output, { items: snapshots.map((s) => toSnapshotObject(ref, s)) });
      else if (snapshots.length === 0)
        ctx.warn(`No snapshots found in Repository "${name}"${o.host ? ` for host "${o.host}"` : ''}.`);
      else ctx.out(renderSnapshotTable(ref, snapshots));
    });
}
