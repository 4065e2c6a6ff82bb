import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { applyObjects } from '../../runtime/standalone/apply.ts';
import { StandaloneRuntime } from '../../runtime/standalone/runtime.ts';
import { createSessionMetricsSink } from '../../runtime/session-metrics.ts';
import { createProcessMetrics } from '../../metrics/index.ts';
import { startHttpEndpoints } from '../../runtime/http-endpoints.ts';
import type { CliContext } from '../context.ts';
import { readManifests } from '../manifest-files.ts';

const defaultCatalog = fileURLToPath(new URL('../../../deploy/catalog', import.meta.url));

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Run the standalone runtime: schedules, sessions and jobs on this machine')
    .option('-m, --manifests <path...>', 'apply these manifest files/folders at start')
    .option('--listen <host:port>', 'address for /metrics and /healthz', '127.0.0.1:9464')
    .option('--catalog <path...>', 'Task/Function catalog to install at start', [defaultCatalog])
    .action(async (o: { manifests?: string[]; listen: string; catalog: string[] }) => {
      const log = ctx.logger.child({ component: 'serve' });
      const runtime = new StandaloneRuntime({
        stateDir: ctx.config.stateDir,
        logger: ctx.logger,
        settings: { image: ctx.config.image, pushgatewayUrl: ctx.config.pushgatewayUrl },
        metrics: createSessionMetricsSink(ctx.config.pushgatewayUrl, ctx.logger),
        selfCommand: ctx.selfCommand,
        stepEnv: ctx.config.childEnv,
      });
      const sources = [...o.catalog, ...(o.manifests ?? [])];
      {
        const { objects, errors } = readManifests(sources);
        for (const e of errors) log.error({ error: e.message }, 'invalid manifest skipped');
        for (const r of await applyObjects(runtime.store, objects)) {
          if (r.action === 'failed') log.error({ source: r.source, error: r.error }, 'manifest not applied');
          else if (r.action !== 'unchanged')
            log.info(
              { object: `${r.object.kind}/${r.object.metadata.name}`, action: r.action },
              'manifest applied',
            );
        }
      }
      const metrics = createProcessMetrics();
      const server = await startHttpEndpoints({
        listen: o.listen,
        metrics: () => metrics.metrics(),
        metricsContentType: metrics.contentType,
      });
      await runtime.start();
      log.info({ stateDir: ctx.config.stateDir, listen: o.listen }, 'stowage is serving');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info('shutting down; running jobs keep going and are picked up at the next start');
      await server.close();
      await runtime.stop();
    });
}
