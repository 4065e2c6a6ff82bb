import type { Command } from 'commander';
import { openStore, repositoryAccess, type CliContext } from '../context.ts';
import { splitList } from '../flags.ts';
import { downloadSnapshots } from '../operations/download.ts';
import { createProgressView } from '../progress.ts';

export function registerDownload(program: Command, ctx: CliContext): void {
  program
    .command('download')
    .description('Restore snapshots of a Repository into folders on this machine (<destination>/<snapshot>)')
    .argument('<repository>', 'Repository name')
    .requiredOption(
      '--snapshots <list>',
      'comma-separated snapshot ids, Snapshot names (<repo>-<id>) or latest',
    )
    .option('-n, --namespace <ns>', 'namespace of the Repository', ctx.defaultNamespace)
    .option('--destination <dir>', 'folder to download into', '.')
    .option('--host <hostname>', 'with latest: the newest snapshot of this host')
    .option('--include <path...>', 'only these paths inside the snapshots')
    .addHelpText(
      'after',
      '\nExamples:\n  stowage download local-repo -n demo --snapshots 4bd2f1a0 --destination ./restored\n' +
        '  stowage download local-repo -n demo --snapshots latest --host host-0',
    )
    .action(
      async (
        name: string,
        o: { namespace: string; snapshots: string; destination: string; host?: string; include?: string[] },
      ) => {
        const store = openStore(ctx);
        const view = createProgressView(ctx);
        try {
          const done = await downloadSnapshots(
            repositoryAccess(ctx, store),
            { namespace: o.namespace, name },
            {
              snapshots: splitList(o.snapshots),
              destination: o.destination,
              ...(o.host === undefined ? {} : { host: o.host }),
              ...(o.include ? { include: o.include } : {}),
              onStart: (requested, snapshot, dir) => {
                view.stop();
                ctx.logger.debug({ requested, snapshot: snapshot.id, dir }, 'downloading snapshot');
              },
              onProgress: (requested, p) => view.show({ label: `snapshot ${requested}`, progress: p }),
            },
          );
          view.stop();
          for (const d of done) ctx.out(`snapshot ${d.snapshotId.slice(0, 8)} downloaded to ${d.directory}`);
        } finally {
          view.stop();
        }
      },
    );
}
