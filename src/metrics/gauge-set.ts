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

/** Gauges and their values, for GaugeSet.setOutcome. */
export type GaugeValues = ReadonlyArray<readonly [MetricName, number]>;

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

  /**
   * Stash writes the `*_success` gauge of a session, target or host always (1 or 0) and its other
   * gauges only on success: a push then leaves the last good values of a failed run in place.
   * `values` is only called on success (what it reads may not exist after a failure).
   */
  setOutcome(success: MetricName, labels: Labels, succeeded: boolean, values: () => GaugeValues): void {
    this.set(success, labels, succeeded ? 1 : 0);
    if (!succeeded) return;
    for (const [metric, value] of values()) this.set(metric, labels, value);
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
