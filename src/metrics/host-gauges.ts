/**
 * The host gauges of one target, built the same way for backups and restores: one registry for
 * all the target's hosts (a later push under the same job replaces same-named series, so one
 * target's hosts must travel together), each labelled invoker + target + hostname, with only its
 * `*_success` gauge (0) when it failed.
 */
import type { Registry } from 'prom-client';
import { GaugeSet, type BuildOptions, type GaugeValues } from './gauge-set.ts';
import { hostLabels, type InvokerInfo, type TargetInfo } from './labels.ts';
import type { MetricName } from './names.ts';

export type HostGaugesBuilder<H> = (
  stats: readonly H[],
  invoker: InvokerInfo,
  target: TargetInfo,
  options?: BuildOptions,
) => Registry;

export function hostGauges<H extends { hostname?: string | undefined }>(
  success: MetricName,
  succeeded: (host: H) => boolean,
  values: (host: H) => GaugeValues,
): HostGaugesBuilder<H> {
  return (stats, invoker, target, options = {}) => {
    const set = new GaugeSet(options.registry);
    for (const host of stats) {
      set.setOutcome(success, hostLabels(invoker, target, host), succeeded(host), () => values(host));
    }
    return set.registry;
  };
}
