import type { Command } from 'commander';
import { runJob } from '../../runtime/standalone/job-runner.ts';
import { stateDbPath } from '../../runtime/standalone/paths.ts';
import { openStateDb } from '../../runtime/standalone/state-db.ts';
import type { CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Image names that stand for this program: the configured image, any tag of it. */
function isStowageImage(image: string, configured: string): boolean {
  const repo = (s: string) => s.replace(/[:@].*$/, '');
  return image === configured || repo(image) === repo(configured);
}

export function registerJobRun(program: Command, ctx: CliContext): void {
  program
    .command('job-run', { hidden: true })
    .description('(internal) run the steps of a standalone Job')
    .requiredOption('--namespace <ns>')
    .requiredOption('--name <name>')
    .action(async (o: { namespace: string; name: string }) => {
      const db = openStateDb(stateDbPath(ctx.config.stateDir));
      const phase = await runJob({
        db,
        namespace: o.namespace,
        name: o.name,
        resolveImage: (image) => (isStowageImage(image, ctx.config.image) ? ctx.selfCommand : undefined),
        env: ctx.config.childEnv,
        logger: ctx.logger,
      });
      db.close();
      if (phase !== 'Succeeded') process.exitCode = ExitCode.Failed;
    });
}
