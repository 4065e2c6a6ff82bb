/**
 * `make bench-elasticsearch`: Elasticsearch/OpenSearch backup and restore, Stowage against
 * multielasticdump (elasticdump 6.84.1, what Stash's addon runs), and both against the engine's raw
 * parallel read speed.
 *
 * 1. Starts one engine (test/harness/search-engine.ts; OpenSearch 2.19 unless
 *    STOWAGE_BENCH_ES_ENGINE=<kind>[-<version>], e.g. elasticsearch-7 or elasticsearch-8.19.21)
 *    with a bigger heap, and bulk-loads ~1 KB documents into three indices of 2–4 shards
 *    (./lib/es-dataset.ts), concurrent _bulk.
 * 2. Read ceiling (./lib/es-read.ts): PIT (or sliced scroll) with one slice per shard, all slices
 *    in flight, pages of 5000, bodies dropped; one uncounted warm-up pass, then the best of 3.
 * 3. multielasticdump dump of the bench indices into a folder, then the indices are deleted and it
 *    loads them back (fresh indices); time, docs/s, peak RSS of its process tree (parent + forked
 *    children, ./lib/rss.ts); counts checked.
 * 4. Stowage backup and restore (./lib/es-stowage.ts): the in-job steps as a Job runs them, the dump
 *    streamed into a fresh local restic repository, then loaded back into deleted indices.
 * Writes bench/results/elasticsearch.json and the Elasticsearch section of docs/benchmarks.md.
 *
 * Knobs (env): STOWAGE_BENCH_ES_DOCS (1000000), STOWAGE_BENCH_ES_ENGINE (opensearch),
 * STOWAGE_BENCH_ES_HEAP_MB (2048), STOWAGE_BENCH_ES_BULK_CONCURRENCY (3),
 * STOWAGE_BENCH_ES_READERS (slices in flight for the ceiling; default all 9),
 * STOWAGE_BENCH_ES_CEILING_RUNS (3), STOWAGE_BENCH_ES_TLS=1 (every
 * client through the TLS + basic-auth proxy instead of plain HTTP),
 * STOWAGE_BENCH_ES_MLD_ARGS ("--limit=5000": multielasticdump's default --limit=100 with its
 * built-in throttle of 5 requests per 5 s is ~100 docs/s per index, see docs/search-engines.md),
 * STOWAGE_BENCH_ES_SKIP_MLD=1, STOWAGE_BENCH_NO_DOCS=1 (leave docs/benchmarks.md alone),
 * STOWAGE_BENCH_OUT (bench/results/elasticsearch.json), STOWAGE_BENCH_KEEP=1 (keep the work folder).
 */
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { elasticdumpBin, runMultielasticdump } from '../test/harness/elasticdump.ts';
import { startSearchEngine, type EngineKind, type SearchEngine } from '../test/harness/search-engine.ts';
import { BENCH_INDICES, countDocs, deleteIndices, generateDataset } from './lib/es-dataset.ts';
import { EsClient, type EsFlavor, type EsTarget } from './lib/es-http.ts';
import { readCeiling, type ReadCeiling } from './lib/es-read.ts';
import {
  ceilingInfo,
  datasetInfo,
  renderMarkdown,
  renderTable,
  round,
  writeEsSection,
  type EsBenchResult,
  type ToolRun,
} from './lib/es-report.ts';
import { startRootShim } from '../test/harness/es-root-shim.ts';
import { stowageRunner } from './lib/es-stowage.ts';

const root = resolve(import.meta.dirname, '..');
const num = (name: string, dflt: number): number => {
  const raw = process.env[name];
  const v = Number(raw);
  return raw && Number.isFinite(v) && v > 0 ? v : dflt;
};
const DOCS = Math.round(num('STOWAGE_BENCH_ES_DOCS', 1_000_000));
const HEAP_MB = Math.round(num('STOWAGE_BENCH_ES_HEAP_MB', 2048));
const BULK_CONCURRENCY = Math.round(num('STOWAGE_BENCH_ES_BULK_CONCURRENCY', 3));
const TOTAL_SLICES = BENCH_INDICES.reduce((n, i) => n + i.shards, 0);
const READERS = Math.round(num('STOWAGE_BENCH_ES_READERS', TOTAL_SLICES));
const CEILING_RUNS = Math.round(num('STOWAGE_BENCH_ES_CEILING_RUNS', 3));
const BATCH = 5000;
const TLS = process.env.STOWAGE_BENCH_ES_TLS === '1';
const MLD_ARGS = (process.env.STOWAGE_BENCH_ES_MLD_ARGS ?? '--limit=5000').split(' ').filter(Boolean);
const SKIP_MLD = process.env.STOWAGE_BENCH_ES_SKIP_MLD === '1';
const OUT = process.env.STOWAGE_BENCH_OUT ?? 'bench/results/elasticsearch.json';

const t0 = Date.now();
const say = (msg: string) =>
  process.stdout.write(`[${String(Math.round((Date.now() - t0) / 1000)).padStart(5)}s] ${msg}\n`);

function engineChoice(): { kind: EngineKind; version: string | undefined } {
  const raw = process.env.STOWAGE_BENCH_ES_ENGINE ?? 'opensearch';
  const m = /^(opensearch|elasticsearch)(?:-(.+))?$/.exec(raw);
  if (!m) throw new Error(`STOWAGE_BENCH_ES_ENGINE=${raw}: expected <opensearch|elasticsearch>[-<version>]`);
  return { kind: m[1] as EngineKind, version: m[2] };
}

/** Bytes of the files in a folder, and the lines of the data files (`<idx>.json`). */
async function folderStats(dir: string): Promise<{ bytes: number; lines: Record<string, number> }> {
  let bytes = 0;
  const lines: Record<string, number> = {};
  for (const f of readdirSync(dir)) {
    bytes += statSync(join(dir, f)).size;
    const m = /^(.+)\.json$/.exec(f);
    if (!m || /\.(mapping|settings|template|alias|analyzer)\.json$/.test(f)) continue;
    let n = 0;
    for await (const chunk of createReadStream(join(dir, f)) as AsyncIterable<Buffer>)
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
    lines[m[1]!] = n;
  }
  return { bytes, lines };
}

async function main(): Promise<number> {
  const loadStart = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'stowage-bench-es-'));
  const choice = engineChoice();
  say(
    `starting ${choice.kind} ${choice.version ?? '(pinned)'} with a ${HEAP_MB} MB heap; work folder ${work}`,
  );
  const engine: SearchEngine = await startSearchEngine(choice.kind, choice.version, { heapMb: HEAP_MB });
  const flavor: EsFlavor = { kind: engine.kind, major: Number(engine.version.split('.')[0]) };
  const target: EsTarget = TLS
    ? { url: engine.secure.url, auth: engine.secure, caPem: engine.secure.caPem }
    : { url: engine.url };
  const es = new EsClient(target);
  let shim: Awaited<ReturnType<typeof startRootShim>> | undefined;
  try {
    say(`${engine.kind} ${engine.version} up in ${(engine.startupMs.engine / 1000).toFixed(1)} s`);

    say(
      `generating ${DOCS} documents into ${BENCH_INDICES.map((i) => `${i.name} (${i.shards} shards)`).join(', ')}`,
    );
    let lastReport = 0;
    const dataset = await generateDataset(es, flavor, DOCS, {
      concurrency: BULK_CONCURRENCY,
      batchDocs: 2000,
      onProgress: (done) => {
        if (done - lastReport >= Math.max(50_000, DOCS / 10)) {
          lastReport = done;
          say(`  ${done} documents`);
        }
      },
    });
    say(
      `  loaded in ${dataset.seconds.toFixed(1)} s (${Math.round(dataset.docsPerSecond)} docs/s); ` +
        `${(dataset.sourceBytes / 1e9).toFixed(2)} GB of _source, ${(dataset.storeBytes / 1e9).toFixed(2)} GB primary store`,
    );

    // The first full read after the load is much slower (a 100k-doc check: 9.6k docs/s cold, 16.7k
    // warm), so one uncounted pass warms the engine for everyone, then the best of the runs counts.
    say(
      `read ceiling: ${READERS} slices in flight, pages of ${BATCH}; 1 warm-up pass, best of ${CEILING_RUNS}`,
    );
    const ceilingRuns: ReadCeiling[] = [];
    for (let i = 0; i <= CEILING_RUNS; i++) {
      const c = await readCeiling(es, flavor, BENCH_INDICES, { concurrency: READERS, batch: BATCH });
      if (c.docs !== DOCS) throw new Error(`the ceiling read ${c.docs} documents, not ${DOCS}`);
      say(
        `  ${i === 0 ? 'warm-up' : `run ${i}`}: ${c.method} ${c.seconds.toFixed(1)} s, ${Math.round(c.docsPerSecond)} docs/s, ${c.mbPerSecond.toFixed(1)} MB/s`,
      );
      if (i > 0) ceilingRuns.push(c);
    }
    const ceiling = ceilingRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));

    // multielasticdump: through the GET / shim where the integ-test zip lacks it (ES 8.10+).
    let mldUrl = target.url;
    if (engine.kind === 'elasticsearch' && flavor.major >= 8) {
      if (TLS)
        throw new Error('STOWAGE_BENCH_ES_TLS=1 with Elasticsearch 8: multielasticdump needs the GET / shim');
      shim = await startRootShim(engine.url, engine.version);
      mldUrl = shim.url;
    }
    const mldCommon = {
      ...(TLS ? { auth: engine.secure, caFile: engine.secure.caFile } : {}),
      watchRss: true,
    };
    const match = `--match=^(${BENCH_INDICES.map((i) => i.name).join('|')})$`;
    const dumpDir = join(work, 'multielasticdump');
    mkdirSync(dumpDir);
    let mldDump: ToolRun = { seconds: 0, docs_per_second: 0, peak_rss_mb: null, bytes: null };
    let mldLoad: ToolRun = { ...mldDump };
    if (!SKIP_MLD) {
      say(`multielasticdump dump (${[match, ...MLD_ARGS].join(' ')})`);
      const d = await runMultielasticdump({
        direction: 'dump',
        input: mldUrl,
        output: dumpDir,
        extraArgs: [match, ...MLD_ARGS],
        logFile: join(work, 'multielasticdump-dump.log'),
        ...mldCommon,
      });
      const stats = await folderStats(dumpDir);
      const dumped = Object.values(stats.lines).reduce((a, b) => a + b, 0);
      if (dumped !== DOCS) throw new Error(`multielasticdump wrote ${dumped} documents, not ${DOCS}`);
      mldDump = {
        seconds: round(d.ms / 1000),
        docs_per_second: Math.round(DOCS / (d.ms / 1000)),
        peak_rss_mb: d.peakRssMb === undefined ? null : round(d.peakRssMb, 0),
        bytes: stats.bytes,
      };
      say(
        `  ${mldDump.seconds} s, ${mldDump.docs_per_second} docs/s, ${(stats.bytes / 1e9).toFixed(2)} GB, peak RSS ${mldDump.peak_rss_mb} MiB`,
      );
    }

    const stowage = await stowageRunner({
      target,
      work,
      docs: DOCS,
      indices: BENCH_INDICES.map((i) => i.name),
      args: match,
    });
    say('Stowage backup (the in-job step; the dump streamed into restic)');
    const stowageBackup: ToolRun = await stowage.run('backup');
    say(
      `  ${stowageBackup.seconds} s, ${stowageBackup.docs_per_second} docs/s, peak RSS ${stowageBackup.peak_rss_mb} MiB`,
    );

    if (!SKIP_MLD) {
      say('multielasticdump load into fresh indices (the bench indices and template deleted first)');
      await deleteIndices(es);
      const l = await runMultielasticdump({
        direction: 'load',
        input: dumpDir,
        output: mldUrl,
        extraArgs: [match, ...MLD_ARGS],
        logFile: join(work, 'multielasticdump-load.log'),
        ...mldCommon,
      });
      const counts = await countDocs(es);
      for (const [name, n] of Object.entries(dataset.perIndex))
        if (counts[name] !== n)
          throw new Error(`after the load ${name} has ${counts[name]} documents, not ${n}`);
      mldLoad = {
        seconds: round(l.ms / 1000),
        docs_per_second: Math.round(DOCS / (l.ms / 1000)),
        peak_rss_mb: l.peakRssMb === undefined ? null : round(l.peakRssMb, 0),
        bytes: mldDump.bytes,
      };
      say(`  ${mldLoad.seconds} s, ${mldLoad.docs_per_second} docs/s, peak RSS ${mldLoad.peak_rss_mb} MiB`);
    }

    // Stowage restores into deleted indices, as multielasticdump did, and the counts must match.
    await deleteIndices(es);
    say('Stowage restore (the in-job step; restic dump streamed into the loader)');
    const stowageRestore: ToolRun = await stowage.run('restore');
    say(
      `  ${stowageRestore.seconds} s, ${stowageRestore.docs_per_second} docs/s, peak RSS ${stowageRestore.peak_rss_mb} MiB`,
    );
    const restoredCounts = await countDocs(es);
    for (const [name, n] of Object.entries(dataset.perIndex))
      if (restoredCounts[name] !== n)
        throw new Error(`after the Stowage restore ${name} has ${restoredCounts[name]} documents, not ${n}`);

    const speedup = (tool: ToolRun, ours: ToolRun | null) =>
      ours && !SKIP_MLD ? round(tool.seconds / ours.seconds, 3) : null;
    const git = (args: string[]) => {
      try {
        return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    };
    const bins = await elasticdumpBin();
    const result: EsBenchResult = {
      benchmark: 'elasticsearch',
      date: new Date().toISOString(),
      command: `node --disable-warning=ExperimentalWarning bench/elasticsearch.ts (STOWAGE_BENCH_ES_DOCS=${DOCS})`,
      engine: {
        kind: engine.kind,
        version: engine.version,
        heap_mb: HEAP_MB,
        via: TLS ? 'https+basic-auth' : 'http',
      },
      docs: DOCS,
      backup_speedup_vs_multielasticdump: speedup(mldDump, stowageBackup),
      restore_speedup_vs_multielasticdump: speedup(mldLoad, stowageRestore),
      backup_fraction_of_ceiling: round(DOCS / stowageBackup.seconds / ceiling.docsPerSecond, 3),
      backup_rss_mb: stowageBackup.peak_rss_mb,
      restore_rss_mb: stowageRestore.peak_rss_mb,
      dataset: datasetInfo(dataset),
      ceiling: ceilingInfo(ceiling, ceilingRuns),
      multielasticdump: {
        version: execFileSync(process.execPath, [bins.elasticdump, '--version'], { encoding: 'utf8' }).trim(),
        args: SKIP_MLD ? ['(skipped)'] : [match, ...MLD_ARGS],
        dump: mldDump,
        load: mldLoad,
      },
      stowage: { backup: stowageBackup, restore: stowageRestore },
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        memory_gb: Math.round(totalmem() / 1024 ** 3),
        kernel: release(),
        load_average_start: loadStart.map((x) => round(x)),
        load_average_end: loadavg().map((x) => round(x)),
      },
      versions: { node: process.versions.node, git_commit: git(['rev-parse', '--short', 'HEAD']) },
      total_seconds: Math.round((Date.now() - t0) / 1000),
    };
    mkdirSync(dirname(resolve(root, OUT)), { recursive: true });
    writeFileSync(resolve(root, OUT), `${JSON.stringify(result, null, 2)}\n`);
    if (!process.env.STOWAGE_BENCH_NO_DOCS)
      writeEsSection(join(root, 'docs/benchmarks.md'), renderMarkdown(result));
    process.stdout.write(`\n${renderTable(result)}\n\nwrote ${OUT}\n`);
    return 0;
  } finally {
    es.close();
    await shim?.close();
    await engine.stop();
    if (!process.env.STOWAGE_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
    else say(`kept ${work}`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
