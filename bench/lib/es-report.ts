/**
 * bench/results/elasticsearch.json's shape, its terminal table and the Elasticsearch section of
 * docs/benchmarks.md. The section has its own markers: report.ts's writeDocsSection is hard-wired
 * to the PostgreSQL markers and would overwrite that section.
 */
import { replaceMarkedSection } from './report.ts';
import type { GeneratedDataset } from './es-dataset.ts';
import type { ReadCeiling } from './es-read.ts';

export interface ToolRun {
  seconds: number;
  docs_per_second: number;
  peak_rss_mb: number | null;
  /** Bytes in the dump folder (dump), or bytes read from it (load). */
  bytes: number | null;
}

export interface EsBenchResult {
  benchmark: 'elasticsearch';
  date: string;
  command: string;
  engine: { kind: string; version: string; heap_mb: number; via: 'http' | 'https+basic-auth' };
  docs: number;
  /** multielasticdump dump seconds / Stowage backup seconds (>1: Stowage faster); null until measured. */
  backup_speedup_vs_multielasticdump: number | null;
  restore_speedup_vs_multielasticdump: number | null;
  /** Stowage backup docs/s / read ceiling docs/s. */
  backup_fraction_of_ceiling: number | null;
  backup_rss_mb: number | null;
  restore_rss_mb: number | null;
  dataset: {
    per_index: Record<string, number>;
    source_bytes: number;
    store_bytes: number;
    load_seconds: number;
    load_docs_per_second: number;
  };
  /** The best of the measured runs (after one uncounted warm-up pass). */
  ceiling: {
    runs_docs_per_second: number[];
    method: ReadCeiling['method'];
    concurrency: number;
    batch: number;
    seconds: number;
    docs_per_second: number;
    mb_per_second: number;
    requests: number;
  };
  multielasticdump: { version: string; args: string[]; dump: ToolRun; load: ToolRun };
  stowage: { backup: ToolRun | null; restore: ToolRun | null };
  machine: {
    cores: number;
    cpu: string;
    memory_gb: number;
    kernel: string;
    load_average_start: number[];
    load_average_end: number[];
  };
  versions: Record<string, string>;
  total_seconds: number;
}

export function datasetInfo(d: GeneratedDataset): EsBenchResult['dataset'] {
  return {
    per_index: d.perIndex,
    source_bytes: d.sourceBytes,
    store_bytes: d.storeBytes,
    load_seconds: round(d.seconds),
    load_docs_per_second: Math.round(d.docsPerSecond),
  };
}

export function ceilingInfo(c: ReadCeiling, runs: ReadCeiling[]): EsBenchResult['ceiling'] {
  return {
    runs_docs_per_second: runs.map((r) => Math.round(r.docsPerSecond)),
    method: c.method,
    concurrency: c.concurrency,
    batch: c.batch,
    seconds: round(c.seconds),
    docs_per_second: Math.round(c.docsPerSecond),
    mb_per_second: round(c.mbPerSecond, 1),
    requests: c.requests,
  };
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (x: number | null) => (x === null ? '–' : `${x.toFixed(0)} MiB`);
const run = (r: ToolRun | null) =>
  r
    ? `${r.seconds.toFixed(1)} s (${Math.round(r.docs_per_second)} docs/s), peak RSS ${mib(r.peak_rss_mb)}`
    : 'not yet';
const ratio = (x: number | null) => (x === null ? 'not yet' : `${x.toFixed(2)}×`);

function rows(r: EsBenchResult): string[][] {
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  return [
    [
      `Dataset: ${r.docs} docs in ${Object.keys(r.dataset.per_index).length} indices (${gb(r.dataset.source_bytes)} of _source, ${gb(r.dataset.store_bytes)} primary store)`,
      `bulk-loaded in ${r.dataset.load_seconds.toFixed(0)} s (${r.dataset.load_docs_per_second} docs/s)`,
    ],
    [
      `Read ceiling: ${r.ceiling.method}, one slice per shard, ${r.ceiling.concurrency} in flight, pages of ${r.ceiling.batch}, bodies dropped (best of ${r.ceiling.runs_docs_per_second.length} after a warm-up)`,
      `${r.ceiling.seconds.toFixed(1)} s, ${r.ceiling.docs_per_second} docs/s, ${r.ceiling.mb_per_second} MB/s`,
    ],
    [
      `multielasticdump dump (${r.multielasticdump.args.join(' ') || 'defaults'})`,
      run(r.multielasticdump.dump),
    ],
    ['multielasticdump load into fresh indices', run(r.multielasticdump.load)],
    ['Stowage backup', run(r.stowage.backup)],
    ['Stowage restore', run(r.stowage.restore)],
    ['backup_speedup_vs_multielasticdump', ratio(r.backup_speedup_vs_multielasticdump)],
    ['restore_speedup_vs_multielasticdump', ratio(r.restore_speedup_vs_multielasticdump)],
    [
      'backup_fraction_of_ceiling',
      r.backup_fraction_of_ceiling === null ? 'not yet' : r.backup_fraction_of_ceiling.toFixed(2),
    ],
    ['backup_rss_mb / restore_rss_mb', `${mib(r.backup_rss_mb)} / ${mib(r.restore_rss_mb)}`],
  ];
}

export function renderTable(r: EsBenchResult): string {
  const all = [['Elasticsearch', 'result'], ...rows(r)];
  const w = Math.max(...all.map((row) => row[0]!.length));
  return all.map((row) => `${row[0]!.padEnd(w)}  ${row[1]}`).join('\n');
}

const START =
  '<!-- bench:elasticsearch:start (written by `make bench-elasticsearch`; edits inside are overwritten) -->';
const END = '<!-- bench:elasticsearch:end -->';

export function renderMarkdown(r: EsBenchResult): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    START,
    '## Elasticsearch / OpenSearch',
    '',
    'Reproduce with:',
    '',
    '```sh',
    `make bench-elasticsearch   # ${r.command}`,
    '```',
    '',
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memory_gb} GiB RAM, Linux ${r.machine.kernel}; ` +
      `load average ${r.machine.load_average_start.join(' / ')} at the start, ${r.machine.load_average_end.join(' / ')} at the end; ` +
      `${r.engine.kind} ${r.engine.version} (single node, ${r.engine.heap_mb} MB heap, over ${r.engine.via}) on the same machine; ` +
      `elasticdump ${r.multielasticdump.version}; Node ${r.versions.node}. ` +
      'Raw numbers: [bench/results/elasticsearch.json](../bench/results/elasticsearch.json).',
    '',
    '| Elasticsearch | result |',
    '| --- | --- |',
    ...rows(r).map((row) => `| ${row.map(cell).join(' | ')} |`),
    END,
  ].join('\n');
}

/** Replaces the marked Elasticsearch section of `file` (appends it, or creates the file, when absent). */
export function writeEsSection(file: string, section: string): void {
  replaceMarkedSection(file, section, START, END);
}
