/**
 * `stowage operator`: the Kubernetes runtime. Watches Stash's kinds through the API server, runs
 * the controllers, serves /healthz, /readyz and /metrics, and — with leader election, as the Helm
 * chart runs it — only the replica holding the Lease reconciles.
 */
import { setFlagsFromString } from 'node:v8';
import { measureMemory } from 'node:vm';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { createProcessMetrics } from '../../metrics/index.ts';
import { startHttpEndpoints } from '../../runtime/http-endpoints.ts';
import { createSessionMetricsSink } from '../../runtime/session-metrics.ts';
import { loadKubeConfig } from '../../runtime/kubernetes/kube-client.ts';
import { LeaderElector } from '../../runtime/kubernetes/leader-election.ts';
import { KubernetesOperator } from '../../runtime/kubernetes/operator.ts';
import { errorMessage, StowageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { parseGoDuration } from '../../core/format.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';

interface OperatorFlags {
  listen: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  concurrency: string;
  resync: string;
}

export function registerOperator(program: Command, ctx: CliContext): void {
  program
    .command('operator')
    .description('Run the Kubernetes operator (BackupConfiguration → CronJob, sessions → Jobs)')
    .option('--listen <host:port>', 'address for /healthz, /readyz and /metrics', '0.0.0.0:8080')
    .option('--leader-elect', 'reconcile only while holding the leader Lease', false)
    .option('--lease-namespace <ns>', 'namespace of the leader Lease', DEFAULT_NAMESPACE)
    .option('--lease-name <name>', 'name of the leader Lease', 'stowage-operator')
    .option('--concurrency <n>', 'parallel reconciles', '8')
    .option('--resync <duration>', 're-check objects in flight this often (e.g. 60s, 5m)', '60s')
    .action((f: OperatorFlags) => runOperator(ctx, f));
}

async function runOperator(ctx: CliContext, f: OperatorFlags): Promise<void> {
  boundHeapGrowth();
  const log = ctx.logger.child({ component: 'operator' });
  const concurrency = Number(f.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new StowageError('USAGE', `--concurrency must be a positive integer, not "${f.concurrency}"`);
  const kubeConfig = loadKubeConfig(ctx.config.kubeconfig);
  const metrics = createProcessMetrics();
  const operator = new KubernetesOperator({
    kubeConfig,
    logger: ctx.logger,
    settings: { image: ctx.config.image, pushgatewayUrl: ctx.config.pushgatewayUrl },
    metrics: createSessionMetricsSink(ctx.config.pushgatewayUrl, ctx.logger),
    concurrency,
    resyncMs: resyncMs(f.resync),
    onReconciled: (kind, seconds, ok) => metrics.reconciled(kind, seconds, ok),
  });
  const server = await startHttpEndpoints({
    listen: f.listen,
    metrics: () => metrics.metrics(),
    metricsContentType: metrics.contentType,
    ready: () => operator.ready,
  });
  const election = f.leaderElect ? { kubeConfig, namespace: f.leaseNamespace, name: f.leaseName } : undefined;
  const run = runUntilStopped(operator, election, log);
  log.info({ listen: f.listen, leaderElect: f.leaderElect }, 'stowage operator running');
  await run.stopped;
  log.info('shutting down: finishing running reconciles; Jobs keep running in the cluster');
  await operator.stop();
  // After the last reconcile: the Lease is released only once this replica no longer writes.
  await run.releaseLease();
  await server.close();
  // A replica that lost the Lease exits non-zero so its Deployment restarts it as a candidate.
  if (run.failure()) process.exitCode = 1;
}

/** Why the process ends non-zero: the Lease was lost, or the operator could not start. */
type Failure = 'lease lost' | 'start failed';

/**
 * Starts the operator (at once, or each time this replica wins the Lease); `stopped` resolves on
 * SIGINT/SIGTERM or at the first failure, which `failure()` then names (also one that comes while
 * shutting down).
 */
function runUntilStopped(
  operator: KubernetesOperator,
  election: { kubeConfig: KubeConfig; namespace: string; name: string } | undefined,
  log: Logger,
): { stopped: Promise<void>; releaseLease: () => Promise<void>; failure: () => Failure | undefined } {
  let failed: Failure | undefined;
  let elector: LeaderElector | undefined;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    const fail = (why: Failure) => {
      failed ??= why;
      resolve();
    };
    // Not awaited: a signal must end the process even while the informers are still listing.
    const start = () =>
      operator.start().catch((e: unknown) => {
        log.error({ err: errorMessage(e) }, 'operator failed to start');
        fail('start failed');
      });
    if (!election) {
      void start();
      return;
    }
    elector = new LeaderElector({ ...election, logger: log });
    elector.run({ onStartedLeading: start, onStoppedLeading: () => fail('lease lost') });
  });
  return { stopped, releaseLease: async () => elector?.stop(), failure: () => failed };
}

/**
 * Between two full collections V8 lets the heap grow up to 4× what was live after the first (it
 * judges memory plentiful: outside a container it sizes itself from the host's RAM). The
 * operator allocates fast while it catches up with a burst of changes (responses, watch events):
 * with 1000 BackupConfigurations its heap reached 120–220 MiB for 60–90 MiB in use. Growing by
 * 25% of the live size instead keeps it near 80 MiB, proportional to what is cached (no hard cap
 * to outgrow), at no measurable CPU cost (docs/benchmarks.md). V8 reads the flag at every
 * collection, so setting it now takes effect; a value in NODE_OPTIONS wins.
 */
function boundHeapGrowth(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
    a.includes('heap-growing-percent'),
  );
  if (given) return;
  setFlagsFromString('--heap-growing-percent=25');
  // V8 computes the next limit from the growing factor only after a full collection; until the
  // first one, the start-up limit applies (about 150 MiB here, reached in some runs). An eager
  // memory measurement runs a full collection now, so the bound holds from the start.
  void measureMemory({ execution: 'eager' }).catch(() => undefined);
}

function resyncMs(text: string): number {
  let ns: number;
  try {
    ns = parseGoDuration(text);
  } catch {
    throw new StowageError('USAGE', `--resync must be a duration such as 60s or 5m, not "${text}"`);
  }
  if (ns < 1e9) throw new StowageError('USAGE', `--resync must be at least 1s, not "${text}"`);
  return ns / 1e6;
}
