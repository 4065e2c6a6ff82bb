/** bench/results/pg.json's shape, the terminal table, and the PostgreSQL section of docs/benchmarks.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface TreeSummary {
  tree_peak_mb: number;
  concurrent_peak_mb: number;
  node_mb: number;
  restic_backup_mb: number;
  restic_max_any_call_mb: number;
  pg_dumpall_mb: number;
  pg_dump_mb: number;
  samples: number;
}

interface DatasetInfo {
  database_bytes: number;
  rows: number;
  dump_bytes: number;
  repository_bytes_packed: number;
  generate_seconds: number;
}

export interface BenchResult {
  benchmark: string;
  date: string;
  command: string;
  ratio_vs_hand_piped: number;
  ratio_from_overhead: number;
  ratio_from_overhead_definition: string;
  incremental_upload_fraction: number;
  incremental_upload_measure: string;
  rss_mb_small: number;
  rss_mb_large: number;
  rss_mb_small_cold_start: number;
  rss_definition: string;
  goals: { ratio_vs_hand_piped: number; incremental_upload_fraction: number; rss_mb: number };
  dataset: { small: DatasetInfo; large: DatasetInfo };
  full_backup: {
    runs: number;
    stowage_step_seconds: number[];
    hand_piped_seconds: number[];
    stowage_step_median_seconds: number;
    hand_piped_median_seconds: number;
    paired_ratios: number[];
    paired_ratio_median: number;
    stowage_restic_backup_process_seconds: number[];
    hand_restic_backup_process_seconds: number[];
    stowage_overhead_seconds: number[];
    hand_overhead_seconds: number[];
    stowage_overhead_median_seconds: number;
    stowage_step_breakdown_median_seconds: Record<string, number>;
    hand_overhead_median_seconds: number;
    stowage_step_cpu_seconds: number[];
    hand_piped_cpu_seconds: number[];
    cpu_ratio_median: number;
    stowage_restic_backup_median_seconds: number;
    hand_restic_backup_median_seconds: number;
    stowage_step_marks_median_seconds: Record<string, number>;
    throughput_mb_per_s: { stowage: number; hand_piped: number };
    cold_start_step_seconds: number;
    large: {
      runs: number;
      stowage_step_seconds: number[];
      hand_piped_seconds: number[];
      stowage_step_median_seconds: number;
      hand_piped_median_seconds: number;
      stowage_step_cpu_seconds: number[];
      hand_piped_cpu_seconds: number[];
      ratio: number;
    };
  };
  fixed_costs: {
    node_cli_startup_seconds_median: number;
    node_cli_startup_cold_seconds_median: number;
    restic_repository_open_seconds_median: number;
  };
  sessions: {
    runs: number;
    trigger_to_succeeded_seconds: number[];
    median_seconds: number | null;
    session_duration: string[];
    backup_step_duration: string[];
  };
  incremental: {
    base_data_added: number;
    base_data_added_packed: number;
    changes: Array<{
      kind: string;
      rows_changed: number;
      rows_total: number;
      data_added: number;
      data_added_packed: number;
      fraction_packed: number;
      fraction_unpacked: number;
      step_seconds: number;
    }>;
  };
  rss: {
    small_runs: TreeSummary[];
    small_cold_start: TreeSummary;
    small_hand_piped: TreeSummary;
    large: TreeSummary;
    large_hand_piped: TreeSummary;
  };
  machine: {
    load_average_start: number[];
    load_average_end: number[];
    cpu: string;
    cores: number;
    memory_gb: number;
    kernel: string;
  };
  versions: Record<string, string>;
  total_seconds: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const verdict = (ok: boolean) => (ok ? 'met' : 'missed');

const CHANGE_LABEL: Record<string, string> = {
  random: '1% of rows UPDATEd, picked at random',
  clustered: '1% of rows UPDATEd, one contiguous id range',
  append: '1% new rows INSERTed',
};

/** Rows of [metric, Stowage, hand-piped / note]; shared by the terminal and the markdown table. */
function rows(r: BenchResult): string[][] {
  const f = r.full_backup;
  const maxNode = Math.max(...r.rss.small_runs.map((t) => t.node_mb));
  const maxRestic = Math.max(...r.rss.small_runs.map((t) => t.restic_backup_mb));
  const random = r.incremental.changes.find((c) => c.kind === 'random');
  const out: string[][] = [
    [
      `Full backup, ~1 GB database (${gb(r.dataset.small.database_bytes)}, dump ${mib(r.dataset.small.dump_bytes)}), median of ${f.runs}`,
      `${f.stowage_step_median_seconds.toFixed(1)} s`,
      `${f.hand_piped_median_seconds.toFixed(1)} s`,
    ],
    [
      '  time outside the restic backup process (start-up, other restic calls; bash), median',
      `${f.stowage_overhead_median_seconds.toFixed(2)} s`,
      `${f.hand_overhead_median_seconds.toFixed(2)} s`,
    ],
    [
      '  CPU time of the process tree (user + sys), median',
      `${median(f.stowage_step_cpu_seconds).toFixed(1)} s`,
      `${median(f.hand_piped_cpu_seconds).toFixed(1)} s (ratio ${f.cpu_ratio_median.toFixed(3)}×)`,
    ],
    [
      '  of which restic backup itself (snapshot summary)',
      `${f.stowage_restic_backup_median_seconds.toFixed(1)} s`,
      `${f.hand_restic_backup_median_seconds.toFixed(1)} s`,
    ],
    [
      `ratio_vs_hand_piped (goal ≤ ${r.goals.ratio_vs_hand_piped})`,
      `${r.ratio_vs_hand_piped.toFixed(3)}× (${verdict(r.ratio_vs_hand_piped <= r.goals.ratio_vs_hand_piped)})`,
      '1 (reference)',
    ],
    [
      '  ratio of adjacent pairs (median) / ratio from the time outside restic (load taken out)',
      `${f.paired_ratio_median.toFixed(3)}× / ${r.ratio_from_overhead.toFixed(3)}×`,
      '',
    ],
    [
      '  Stowage step with a cold node compile cache (as in a fresh container), 1 run',
      `${f.cold_start_step_seconds.toFixed(1)} s`,
      '',
    ],
    [
      `Full backup, ≥3 GB database (${gb(r.dataset.large.database_bytes)}, dump ${mib(r.dataset.large.dump_bytes)}), median of ${f.large.runs}`,
      `${f.large.stowage_step_median_seconds.toFixed(1)} s`,
      `${f.large.hand_piped_median_seconds.toFixed(1)} s (ratio ${f.large.ratio.toFixed(3)}×)`,
    ],
  ];
  if (r.sessions.median_seconds !== null) {
    out.push([
      `Whole session (serve + trigger --wait → Succeeded), ~1 GB, median of ${r.sessions.runs}`,
      `${r.sessions.median_seconds.toFixed(1)} s`,
      'job runner, backup step, update-status (retention, check, stats)',
    ]);
  }
  for (const c of r.incremental.changes) {
    out.push([
      `Incremental: ${CHANGE_LABEL[c.kind] ?? c.kind}`,
      `${pct(c.fraction_packed)} of the full upload (${mib(c.data_added_packed)})`,
      `unpacked ${pct(c.fraction_unpacked)}`,
    ]);
  }
  if (random) {
    out.push([
      `incremental_upload_fraction (random 1%, data_added_packed; goal ≤ ${r.goals.incremental_upload_fraction})`,
      `${r.incremental_upload_fraction.toFixed(3)} (${verdict(r.incremental_upload_fraction <= r.goals.incremental_upload_fraction)})`,
      '',
    ]);
  }
  out.push(
    [
      `Peak RSS of the step's process tree, ~1 GB (rss_mb_small; goal ≤ ${r.goals.rss_mb} MiB)`,
      `${r.rss_mb_small.toFixed(0)} MiB (${verdict(r.rss_mb_small <= r.goals.rss_mb)})`,
      `hand-piped tree ${r.rss.small_hand_piped.tree_peak_mb.toFixed(0)} MiB`,
    ],
    [
      `Peak RSS of the step's process tree, ≥3 GB (rss_mb_large)`,
      `${r.rss_mb_large.toFixed(0)} MiB (${verdict(r.rss_mb_large <= r.goals.rss_mb)})`,
      `hand-piped tree ${r.rss.large_hand_piped.tree_peak_mb.toFixed(0)} MiB`,
    ],
    [
      '  ~1 GB, cold node compile cache (fresh container)',
      `${r.rss_mb_small_cold_start.toFixed(0)} MiB (node ${r.rss.small_cold_start.node_mb.toFixed(0)} MiB)`,
      '',
    ],
    [
      '  of which node (the stowage process) / restic backup, ~1 GB',
      `${maxNode.toFixed(0)} / ${maxRestic.toFixed(0)} MiB`,
      `restic ${r.rss.small_hand_piped.restic_backup_mb.toFixed(0)} MiB`,
    ],
    [
      '  of which node / restic backup, ≥3 GB',
      `${r.rss.large.node_mb.toFixed(0)} / ${r.rss.large.restic_backup_mb.toFixed(0)} MiB`,
      `restic ${r.rss.large_hand_piped.restic_backup_mb.toFixed(0)} MiB`,
    ],
    [
      'Fixed costs: CLI start-up (`stowage --version`, warm / cold compile cache); one restic call opening the repository',
      `${r.fixed_costs.node_cli_startup_seconds_median.toFixed(2)} s / ${r.fixed_costs.node_cli_startup_cold_seconds_median.toFixed(2)} s; ${r.fixed_costs.restic_repository_open_seconds_median.toFixed(2)} s`,
      '',
    ],
  );
  return out;
}

export function renderTable(r: BenchResult): string {
  const header = ['PostgreSQL backup', 'Stowage', 'pg_dumpall | restic (by hand)'];
  const all = [header, ...rows(r)];
  const width = [0, 1, 2].map((i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows(r).map(line)].join('\n');
}

const START = '<!-- bench:postgres:start (written by `make bench`; edits inside are overwritten) -->';
const END = '<!-- bench:postgres:end -->';

export function renderMarkdown(r: BenchResult): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const table = [
    '| PostgreSQL backup | Stowage | `pg_dumpall \\| restic` by hand |',
    '| --- | --- | --- |',
    ...rows(r).map((row) => `| ${row.map(cell).join(' | ').replace(/^ {2}/, '↳ ')} |`),
  ].join('\n');
  const f = r.full_backup;
  return [
    START,
    '## PostgreSQL',
    '',
    'Reproduce with:',
    '',
    '```sh',
    'make bench   # node --disable-warning=ExperimentalWarning bench/pg-backup.ts; about 15–20 minutes',
    '```',
    '',
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memory_gb} GiB RAM, Linux ${r.machine.kernel}; ` +
      `load average ${r.machine.load_average_start.join(' / ')} at the start, ${r.machine.load_average_end.join(' / ')} at the end; ` +
      `${r.versions.restic}; ${r.versions.pg_dumpall}, server ${r.versions.postgres_server}; Node ${r.versions.node}; ` +
      `Stowage ${r.versions.stowage} (${r.versions.git_commit}). Raw numbers: [bench/results/pg.json](../bench/results/pg.json).`,
    '',
    table,
    '',
    `Full-backup runs (s): Stowage ${f.stowage_step_seconds.join(', ')}; by hand ${f.hand_piped_seconds.join(', ')}. ` +
      `Where a Stowage step's time goes (median s; processes as the sampler saw them): ` +
      Object.entries(f.stowage_step_breakdown_median_seconds)
        .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
        .join(', ') +
      '.',
    END,
  ].join('\n');
}

/** Replaces the marked PostgreSQL section of `file` (appends it, or creates the file, when absent). */
export function writeDocsSection(file: string, section: string): void {
  replaceMarkedSection(file, section, START, END);
}

/**
 * Replaces the part of `file` between the `start` and `end` markers with `section` (which holds
 * both markers); appends it, or creates the file, when the markers are absent.
 */
export function replaceMarkedSection(file: string, section: string, start: string, end: string): void {
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmarks\n\n${section}\n`);
    return;
  }
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next =
    a >= 0 && b > a
      ? `${text.slice(0, a)}${section}${text.slice(b + end.length)}`
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}
