/**
 * Session-level metrics as the operator pushes them when a session completes (stash-spec §5.1):
 * a fresh registry per push, grouped by `job=<invoker kind>-<namespace>-<name>` only.
 */
import type { Logger } from 'pino';
import type { SessionMetricsSink } from '../controllers/context.ts';
import {
  appBindingTarget,
  backupConfigurationInvoker,
  backupSessionMetrics,
  metricsJobName,
  pushMetrics,
  restoreSessionInvoker,
  restoreSessionMetrics,
} from '../metrics/index.ts';

export function createSessionMetricsSink(url: string | undefined, logger: Logger): SessionMetricsSink {
  return {
    enabled: url !== undefined,
    async backupSessionCompleted({ session, invoker, appBinding }) {
      if (!url) return;
      const info = backupConfigurationInvoker(invoker);
      const targets = (session.status?.targets ?? []).map((t) => appBindingTarget(t.ref, appBinding));
      await pushMetrics(backupSessionMetrics(session, info, { targets }), {
        url,
        job: metricsJobName(info),
        logger,
      });
    },
    async restoreSessionCompleted({ session, appBinding }) {
      if (!url) return;
      const info = restoreSessionInvoker(session);
      const ref = session.spec.target?.ref;
      await pushMetrics(
        restoreSessionMetrics(session, info, ref ? { target: appBindingTarget(ref, appBinding) } : {}),
        { url, job: metricsJobName(info), logger },
      );
    },
  };
}
