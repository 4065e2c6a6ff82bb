/**
 * One dump, whatever the layout: find the engine and its capabilities, list and select the indices
 * (./index-filter.ts), read their metadata and the cluster's templates, open one snapshot of all
 * their documents (./read-documents.ts), then hand everything to the sink (stream or folder) and
 * close the snapshot, also when anything failed. It succeeds only when every slice finished and
 * the documents read per index equal the snapshot's own count.
 */
import { archiveHeader, type IndexRecord, type TemplateRecord } from './archive-format.ts';
import { clusterInfo, type ClusterInfo } from './cluster-info.ts';
import type { DumpOptions } from './dump-options.ts';
import type { DumpSink } from './dump-sink.ts';
import type { SearchClient } from './http-client.ts';
import { fetchIndexMetadata } from './index-metadata.ts';
import { selectIndices } from './index-filter.ts';
import { listIndices, type IndexInfo } from './list-indices.ts';
import { openSnapshot, type DocumentSnapshot } from './read-documents.ts';
import { DEFAULT_BATCH_SIZE, defaultSlices } from './slice-plan.ts';
import { fetchTemplates } from './templates.ts';

export type DumpLog = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

export interface DumpProgress {
  documents: number;
  /** Documents in the snapshot. */
  total: number;
}

export interface DumpRun {
  client: SearchClient;
  options: DumpOptions;
  sink: DumpSink;
  /** Cores of this machine, for the default number of slices. */
  cores: number;
  signal?: AbortSignal;
  log?: DumpLog;
  /** Called once the documents start to flow, with a way to read the progress. */
  onStart?: (progress: () => DumpProgress) => void;
  /** Tests: PIT keep-alive and how often it is extended. */
  keepAlive?: string;
  touchEveryMs?: number;
}

export interface DumpResult {
  cluster: ClusterInfo;
  method: DocumentSnapshot['method'] | 'none';
  createdAt: string;
  indices: string[];
  /** Documents written per index. */
  documents: Record<string, number>;
  total: number;
  slices: number;
  batchSize: number;
}

/** The slices a dump reads at once, for the connection pool's size too. */
export function effectiveSlices(options: Pick<DumpOptions, 'slices'>, cores: number): number {
  return options.slices ?? defaultSlices(cores);
}

export async function dump(run: DumpRun): Promise<DumpResult> {
  const log: DumpLog = run.log ?? (() => {});
  const plan = await planDump(run, log);
  const contents = await readMetadata(run, plan, log);
  let snapshot: DocumentSnapshot | undefined;
  try {
    snapshot = await openDocuments(run, plan, contents.readable, log);
    return await writeArchive(run, plan, contents, snapshot);
  } catch (e) {
    await run.sink.abort().catch(() => {});
    throw e;
  } finally {
    await snapshot?.close().catch((e: unknown) =>
      log('warn', 'could not release the snapshot on the cluster (it expires by itself)', {
        err: (e as Error).message,
      }),
    );
  }
}

/** What a dump reads, decided before anything is read: the engine and the open selected indices. */
interface DumpPlan {
  cluster: ClusterInfo;
  indices: IndexInfo[];
  slices: number;
  batchSize: number;
}

async function planDump(run: DumpRun, log: DumpLog): Promise<DumpPlan> {
  const { client, options, signal } = run;
  const slices = effectiveSlices(options, run.cores);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const cluster = await clusterInfo(client, signal);
  const all = await listIndices(client, cluster, signal);
  const selected = selectIndices(all, options.filter);
  const closed = selected.filter((i) => !i.open);
  if (closed.length > 0) {
    log('warn', 'skipping closed indices (they cannot be read; open them to include them)', {
      indices: closed.map((i) => i.name),
    });
  }
  const indices = selected.filter((i) => i.open);
  if (indices.length === 0) {
    log('warn', 'no index matches the selection; the dump holds no index', { available: all.length });
  }
  log('info', 'dump plan', {
    engine: `${cluster.distribution} ${cluster.version}`,
    indices: indices.length,
    slices,
    batchSize,
    parts: [...options.parts],
  });
  return { cluster, indices, slices, batchSize };
}

/** Everything but the documents, and the indices whose documents can be read. */
interface DumpContents {
  records: IndexRecord[];
  templates: TemplateRecord[];
  readable: IndexInfo[];
}

async function readMetadata(run: DumpRun, plan: DumpPlan, log: DumpLog): Promise<DumpContents> {
  const { client, signal } = run;
  const parts = run.options.parts;
  const metadata = await fetchIndexMetadata(client, plan.indices, {
    settings: parts.has('settings') || parts.has('analyzer'),
    mappings: parts.has('mapping'),
    aliases: parts.has('alias'),
    ...(signal ? { signal } : {}),
  });
  if (metadata.sourceless.length > 0 && parts.has('data')) {
    log('warn', 'indices that store no _source: their documents cannot be dumped, only their metadata', {
      indices: metadata.sourceless,
    });
  }
  const templates = parts.has('template')
    ? await fetchTemplates(client, plan.cluster, signal)
    : { templates: [], skipped: [] };
  if (templates.skipped.length > 0) {
    log('info', 'skipped built-in templates', {
      templates: templates.skipped.map((t) => `${t.kind}/${t.name}: ${t.reason}`),
    });
  }
  const skip = new Set([...metadata.sourceless, ...(plan.cluster.mappingTypes ? metadata.unmapped : [])]);
  return {
    records: parts.has('settings') ? metadata.records : metadata.records.map(analysisOnly),
    templates: templates.templates,
    readable: parts.has('data') ? plan.indices.filter((i) => !skip.has(i.name)) : [],
  };
}

/** One snapshot of the readable indices' documents; none when there is nothing to read. */
async function openDocuments(
  run: DumpRun,
  plan: DumpPlan,
  readable: IndexInfo[],
  log: DumpLog,
): Promise<DocumentSnapshot | undefined> {
  if (readable.length === 0) return undefined;
  const snapshot = await openSnapshot(run.client, plan.cluster, readable, {
    slices: plan.slices,
    batchSize: plan.batchSize,
    log,
    ...(run.signal ? { signal: run.signal } : {}),
    ...(run.keepAlive ? { keepAlive: run.keepAlive } : {}),
    ...(run.touchEveryMs ? { touchEveryMs: run.touchEveryMs } : {}),
  });
  log('info', 'snapshot open', {
    method: snapshot.method,
    documents: snapshot.total,
    createdAt: snapshot.createdAt.toISOString(),
  });
  return snapshot;
}

/** Header, metadata, every document, trailer: the sink gets the archive in its order. */
async function writeArchive(
  run: DumpRun,
  plan: DumpPlan,
  contents: DumpContents,
  snapshot: DocumentSnapshot | undefined,
): Promise<DumpResult> {
  const { sink } = run;
  const names = plan.indices.map((i) => i.name);
  const header = archiveHeader(
    { distribution: plan.cluster.distribution, version: plan.cluster.version },
    names,
    (snapshot?.createdAt ?? new Date()).toISOString(),
  );
  await sink.begin(header, contents.templates, contents.records);
  run.onStart?.(() => ({ documents: snapshot?.documentsRead ?? 0, total: snapshot?.total ?? 0 }));
  const read = snapshot
    ? await snapshot.read(
        (page, pageSignal) => sink.documents(page, pageSignal),
        sink.indexDone ? (index) => sink.indexDone!(index) : undefined,
      )
    : {};
  const documents = Object.fromEntries(names.map((n) => [n, read[n] ?? 0]));
  await sink.end({ meta: 'end', documents });
  return {
    cluster: plan.cluster,
    method: snapshot?.method ?? 'none',
    createdAt: header.createdAt,
    indices: names,
    documents,
    total: Object.values(documents).reduce((a, b) => a + b, 0),
    slices: plan.slices,
    batchSize: plan.batchSize,
  };
}

/** `--includeType=analyzer` without settings: only `index.analysis`, as multielasticdump's file. */
function analysisOnly(record: IndexRecord): IndexRecord {
  const index = record.settings.index as Record<string, unknown> | undefined;
  const analysis = index?.analysis;
  return { ...record, settings: analysis ? { index: { analysis } } : {} };
}
