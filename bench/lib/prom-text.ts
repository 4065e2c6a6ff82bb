/**
 * The Prometheus text exposition format, as far as the benchmarks read it: samples with their
 * labels, sums over label subsets, and histogram quantiles the way PromQL's histogram_quantile()
 * computes them (linear interpolation inside the bucket that holds the rank).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePromText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

const matches = (s: Sample, name: string, where: Record<string, string>): boolean =>
  s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v);

/** Σ of the samples named `name` whose labels include `where`. */
export function sumOf(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => matches(s, name, where)).reduce((a, s) => a + s.value, 0);
}

/** Σ of `name` grouped by the values of `by` (joined with a space). */
export function sumBy(
  samples: Sample[],
  name: string,
  by: string[],
  where: Record<string, string> = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (!matches(s, name, where)) continue;
    const key = by.map((b) => s.labels[b] ?? '').join(' ');
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** Cumulative buckets (le → count) of histogram `name`, summed over the series matching `where`. */
export function bucketsOf(
  samples: Sample[],
  name: string,
  where: Record<string, string> = {},
): Array<{ le: number; count: number }> {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (!matches(s, `${name}_bucket`, where)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of cumulative buckets as histogram_quantile() computes it: find the bucket whose
 * cumulative count first reaches q × total, and interpolate linearly between its lower and upper
 * bound (0 below the first bucket). A rank in the +Inf bucket returns the largest finite bound.
 */
export function histogramQuantile(q: number, buckets: Array<{ le: number; count: number }>): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Samples of `after` minus the same series of `before` (counters over a window). */
export function deltaOf(before: Sample[], after: Sample[]): Sample[] {
  const key = (s: Sample) =>
    `${s.name}{${Object.entries(s.labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
  const old = new Map(before.map((s) => [key(s), s.value]));
  return after.map((s) => ({ ...s, value: s.value - (old.get(key(s)) ?? 0) }));
}
