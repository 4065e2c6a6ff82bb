/**
 * Writes Stash gauges into one prom-client Registry. A gauge is registered the first time it gets a
 * value, under both its names, so a registry only ever holds metrics that carry samples: a
 * Pushgateway POST replaces every metric family it names, and an empty family would wipe the
 * series an earlier push left there.
 */
import { Gauge, Registry } from 'prom-client';
import { StowageError } from '../errors.ts';
import type { Labels } from './labels.ts';
import type { MetricName } from './names.ts';

export interface BuildOptions {
  /** Registry to add to; a fresh one by default. */
  registry?: Registry;
  /** Clock for the `*_last_success_time_seconds` gauges and fallback durations. */
  now?: Date;
}

export class GaugeSet {
  readonly registry: Registry;
  readonly #gauges = new Map<string, { gauges: Gauge[]; labelNames: readonly string[] }>();

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
  }

  set(metric: MetricName, labels: Labels, value: number): void {
    let entry = this.#gauges.get(metric.name);
    if (!entry) {
      const labelNames = Object.keys(labels).sort();
      const gauges = [metric.name, metric.legacy].map((name) => this.#gauge(name, metric.help, labelNames));
      entry = { gauges, labelNames };
      this.#gauges.set(metric.name, entry);
    }
    const declared = new Set(entry.labelNames);
    const extra = Object.keys(labels).filter((l) => !declared.has(l));
    if (extra.length > 0) {
      throw new StowageError(
        'METRICS_INVALID_LABELS',
        `metric ${metric.name} got labels it was not declared with: ${extra.join(', ')}`,
        {
          details: { metric: metric.name, labels: extra },
        },
      );
    }
    for (const gauge of entry.gauges) gauge.set(labels, value);
  }

  /** A gauge already in the registry (another builder filled it) is reused, never registered twice. */
  #gauge(name: string, help: string, labelNames: string[]): Gauge {
    const existing = this.registry.getSingleMetric(name);
    if (existing instanceof Gauge) return existing;
    if (existing) {
      throw new StowageError(
        'METRICS_INVALID_LABELS',
        `metric ${name} is already registered with another type`,
        {
          details: { metric: name },
        },
      );
    }
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
