/** bench/results/operator-scale.json's shape, the terminal table, and the operator section of docs/benchmarks.md. */
import { replaceMarkedSection } from './report.ts';

export interface OperatorBenchResult {
  benchmark: 'operator-scale';
  date: string;
  command: string;
  configs: number;
  seconds_to_all_ready: number;
  operator_rss_mb: number;
  reconcile_p99_ms: number;
  definitions: Record<string, string>;
  goals: { seconds_to_all_ready: number; operator_rss_mb: number };
  create_seconds: number;
  create_concurrency: number;
  namespaces: number;
  objects_per_config: string[];
  progress_seconds: { first_ready: number; half_ready: number; p90_ready: number };
  operator: {
    args: string[];
    cpu_seconds_to_all_ready: number;
    rss_mb_at_all_ready: number;
    /** From the operator's /metrics (prom-client's nodejs_heap_size_* and external memory). */
    heap_mb_at_all_ready: { used: number; total: number; external: number };
    reconciles: Record<string, { success: number; error: number }>;
    reconcile_backup_configuration: { count: number; mean_ms: number; p50_ms: number; p99_ms: number };
    log_lines: { warn: number; error: number };
    exit: { code: number | null; seconds_after_sigterm: number };
  };
  api_server: {
    /** Requests of every client (bench, operator, controller manager) from creation to all Ready. */
    requests: number;
    by_verb_resource: Record<string, number>;
    conflicts_on_create: Record<string, number>;
    mean_latency_ms_by_verb: Record<string, number>;
    cpu_seconds: number;
  };
  /** CPU of the processes on this machine taking part (control plane, operator, this bench). */
  cpu_seconds_to_all_ready_by_process: Record<string, number>;
  steady_state: {
    seconds: number;
    requests: number;
    by_verb_resource: Record<string, number>;
    operator_cpu_seconds: number;
    operator_reconciles: number;
  } | null;
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

const verdict = (ok: boolean) => (ok ? 'met' : 'missed');

function rows(r: OperatorBenchResult): string[][] {
  const o = r.operator;
  const bc = o.reconcile_backup_configuration;
  const out: string[][] = [
    [
      `Seconds from the first create until all ${r.configs} BackupConfigurations are Ready with their CronJob (goal ≤ ${r.goals.seconds_to_all_ready} s)`,
      `${r.seconds_to_all_ready.toFixed(1)} s (${verdict(r.seconds_to_all_ready <= r.goals.seconds_to_all_ready)})`,
    ],
    [
      `  creating the ${r.configs * r.objects_per_config.length} objects (${r.objects_per_config.join(' + ')} each, ${r.create_concurrency} at a time)`,
      `${r.create_seconds.toFixed(1)} s`,
    ],
    [
      '  first / half / 90% Ready',
      `${r.progress_seconds.first_ready.toFixed(1)} / ${r.progress_seconds.half_ready.toFixed(1)} / ${r.progress_seconds.p90_ready.toFixed(1)} s`,
    ],
    [
      `Operator peak RSS (VmHWM; goal ≤ ${r.goals.operator_rss_mb} MiB)`,
      `${r.operator_rss_mb.toFixed(0)} MiB (${verdict(r.operator_rss_mb <= r.goals.operator_rss_mb)})`,
    ],
    [
      'BackupConfiguration reconcile p99 (histogram, interpolated) / p50 / mean',
      `${r.reconcile_p99_ms.toFixed(0)} / ${bc.p50_ms.toFixed(0)} / ${bc.mean_ms.toFixed(0)} ms`,
    ],
    [
      '  BackupConfiguration reconciles until all Ready',
      `${bc.count} (${(bc.count / r.configs).toFixed(2)} per configuration)`,
    ],
    ['  operator CPU until all Ready', `${o.cpu_seconds_to_all_ready.toFixed(1)} s`],
    [
      '  API requests until all Ready (all clients) / API server CPU',
      `${r.api_server.requests} / ${r.api_server.cpu_seconds.toFixed(1)} s`,
    ],
  ];
  if (r.steady_state) {
    const s = r.steady_state;
    out.push([
      `At rest, ${s.seconds.toFixed(0)} s after all Ready (one --resync period): API requests / operator CPU / reconciles`,
      `${s.requests} / ${s.operator_cpu_seconds.toFixed(1)} s / ${s.operator_reconciles}`,
    ]);
  }
  out.push(['SIGTERM → exit', `${o.exit.seconds_after_sigterm.toFixed(2)} s, code ${o.exit.code}`]);
  return out;
}

export function renderTable(r: OperatorBenchResult): string {
  const header = [`Operator, ${r.configs} BackupConfigurations in ${r.namespaces} namespaces`, 'Stowage'];
  const all = [header, ...rows(r)];
  const width = [0, 1].map((i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows(r).map(line)].join('\n');
}

const START =
  '<!-- bench:operator:start (written by `make bench-operator`; edits inside are overwritten) -->';
const END = '<!-- bench:operator:end -->';

export function renderMarkdown(r: OperatorBenchResult): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const table = [
    `| Operator, ${r.configs} BackupConfigurations in ${r.namespaces} namespaces | Stowage |`,
    '| --- | --- |',
    ...rows(r).map((row) => `| ${row.map(cell).join(' | ').replace(/^ {2}/, '↳ ')} |`),
  ].join('\n');
  const top = (m: Record<string, number>, n: number) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    START,
    '## Operator at scale',
    '',
    'Reproduce with:',
    '',
    '```sh',
    `make bench-operator   # ${r.command}; about 2–4 minutes`,
    '```',
    '',
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memory_gb} GiB RAM, Linux ${r.machine.kernel}; ` +
      `load average ${r.machine.load_average_start.join(' / ')} at the start, ${r.machine.load_average_end.join(' / ')} at the end; ` +
      `kube-apiserver ${r.versions.kubernetes}, etcd ${r.versions.etcd} (the test control plane, on the same machine); Node ${r.versions.node}; ` +
      `Stowage ${r.versions.stowage} (${r.versions.git_commit}); operator flags \`${r.operator.args.join(' ') || '(defaults)'}\`. ` +
      'Raw numbers: [bench/results/operator-scale.json](../bench/results/operator-scale.json).',
    '',
    table,
    '',
    `CPU seconds until all Ready, by process: ${top(r.cpu_seconds_to_all_ready_by_process, 8)}. ` +
      `API requests until all Ready, by verb and resource (most frequent first): ${top(r.api_server.by_verb_resource, 14)}.` +
      (Object.keys(r.api_server.conflicts_on_create).length
        ? ` Creates answered 409 (already exists): ${top(r.api_server.conflicts_on_create, 8)}.`
        : ''),
    END,
  ].join('\n');
}

/** Replaces the marked operator section of `file` (appends it, or creates the file, when absent). */
export function writeOperatorSection(file: string, section: string): void {
  replaceMarkedSection(file, section, START, END);
}
