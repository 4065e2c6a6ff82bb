/**
 * One restore, whatever the layout: select the indices (--match/--include/--exclude), refuse or
 * delete the ones that exist — before anything else changes —, create them for a fast load, feed
 * every document through concurrent bulks, then put back settings, refresh, compare counts, add
 * aliases and templates, and wait for health. The layouts differ only in how they are read
 * (./stream-reader.ts, ./folder-reader.ts), behind `DumpSource`.
 *
 * A failure after the first index was created names what is left on the cluster, so the operator
 * knows what to delete (or to restore again with --delete-existing).
 */
import { StowageError, errorMessage } from '../../errors.ts';
import type { IndexRecord, TemplateRecord } from './archive-format.ts';
import { BulkLoader, type BulkSend, type BulkStats } from './bulk-loader.ts';
import { parseDocumentLine } from './document-line.ts';
import { isSelected } from './index-filter.ts';
import { planIndex, type IndexPlan } from './index-plan.ts';
import type { LoadOptions } from './load-options.ts';
import {
  addAliases,
  checkCollisions,
  countDocuments,
  createIndex,
  deleteIndices,
  existingNames,
  finalizeSettings,
  forEachLimit,
  refresh,
  waitForHealth,
  type ClusterContext,
} from './restore-indices.ts';
import { restoreTemplates } from './restore-templates.ts';
import { ArchiveStreamReader } from './stream-reader.ts';

/** A batch of document lines; `index` overrides the lines' `_index` (a folder's per-index file). */
export interface DocumentBatch {
  lines: Buffer[];
  firstLine: number;
  /** Where the lines come from, for messages (`line`, `products.json line`). */
  origin: string;
  index?: string;
  /** The writer guarantees `_source` is each line's last key (./document-line.ts fast path). */
  sourceLast: boolean;
}

export interface DumpSource {
  indices: IndexRecord[];
  templates: TemplateRecord[];
  /** Documents of the selected indices at least (a source may skip others cheaply). */
  documents(selected: ReadonlySet<string>): AsyncIterable<DocumentBatch>;
  /** Documents per index the dump says it holds; read after `documents()` has ended. */
  expectedCounts(): Record<string, number>;
  /** Documents per index when known before the load (a Stowage folder's manifest), for progress. */
  plannedCounts?: Record<string, number> | undefined;
}

export interface LoadProgress {
  phase: 'preparing' | 'loading' | 'finalizing' | 'done';
  indices: number;
  /** Document lines read (selected indices only). */
  read: number;
  /** Acknowledged documents and request counters. */
  bulk: BulkStats;
  total: number | undefined;
  startedAt: number;
}

export interface LoadSummary {
  indices: string[];
  documents: number;
  templates: number;
  health: string;
  skippedDocuments: number;
  bulk: BulkStats;
  ms: number;
}

export interface LoadContext extends ClusterContext {
  options: LoadOptions;
  progress?: LoadProgress;
}

export async function loadStream(
  ctx: LoadContext,
  input: AsyncIterable<Buffer | string>,
): Promise<LoadSummary> {
  const reader = new ArchiveStreamReader(input);
  try {
    return await restore(ctx, await streamSource(ctx, reader));
  } finally {
    await reader.close();
  }
}

async function streamSource(ctx: LoadContext, reader: ArchiveStreamReader): Promise<DumpSource> {
  const preamble = await reader.readPreamble();
  ctx.log.info('dump header', {
    engine: `${preamble.header.engine.distribution} ${preamble.header.engine.version}`,
    createdAt: preamble.header.createdAt,
    indices: preamble.indices.length,
    templates: preamble.templates.length,
  });
  return {
    indices: preamble.indices,
    templates: preamble.templates,
    async *documents() {
      for await (const b of reader.documents()) yield { ...b, origin: 'line', sourceLast: true };
    },
    expectedCounts: () => reader.trailer?.documents ?? {},
  };
}

export async function restore(ctx: LoadContext, source: DumpSource): Promise<LoadSummary> {
  const startedAt = Date.now();
  const selection = selectForRestore(ctx, source);
  const { options } = ctx;
  const loader = new BulkLoader(bulkSender(ctx.client), {
    concurrency: options.concurrency,
    bulkBytes: options.bulkBytes,
    bulkDocs: options.bulkDocs,
    retryTimeoutMs: options.retryTimeoutMs,
  });
  const progress = startProgress(ctx, source, selection, loader, startedAt);
  // Nothing changes on the cluster until every clash is known.
  const toDelete = checkCollisions(selection.plans, await existingNames(ctx), options.deleteExisting);
  const created: string[] = [];
  try {
    await deleteIndices(ctx, toDelete);
    await forEachLimit(selection.plans, 4, async (plan) => {
      await createIndex(ctx, plan);
      created.push(plan.name);
    });
    ctx.log.info('indices created', { indices: created.length });
    progress.phase = 'loading';
    const skippedDocuments = await loadDocuments(ctx, source, selection, loader, progress);
    progress.phase = 'finalizing';
    const { templates, health } = await finish(ctx, source, selection.plans, loader);
    progress.phase = 'done';
    return {
      indices: selection.names,
      documents: loader.stats.documents,
      templates,
      health,
      skippedDocuments,
      bulk: loader.stats,
      ms: Date.now() - startedAt,
    };
  } catch (e) {
    const made = new Set(created);
    const left = selection.names.filter((n) => made.has(n));
    throw withIndexState(e, left, loader.stats.perIndex, progress.phase);
  }
}

/** The dump's indices, and the ones the filter selects, each planned for this cluster. */
interface Selection {
  /** Every index of the dump. */
  all: Set<string>;
  planned: Map<string, IndexPlan>;
  plans: IndexPlan[];
  names: string[];
}

function selectForRestore(ctx: LoadContext, source: DumpSource): Selection {
  const { parts, filter } = ctx.options;
  const planned = new Map<string, IndexPlan>();
  const all = new Set<string>();
  for (const record of source.indices) {
    if (all.has(record.name)) {
      throw new StowageError('ARCHIVE_INVALID', `index "${record.name}" is in the dump twice`);
    }
    all.add(record.name);
    const plan = planIndex(
      {
        ...record,
        settings: parts.settings ? record.settings : {},
        mappings: parts.mapping ? record.mappings : {},
        aliases: parts.alias ? record.aliases : {},
      },
      ctx.cluster,
    );
    const candidate = { name: record.name, aliases: Object.keys(record.aliases), hidden: isHidden(record) };
    if (isSelected(candidate, filter)) planned.set(record.name, plan);
  }
  const plans = [...planned.values()];
  const names = plans.map((p) => p.name);
  if (all.size > 0 && planned.size === 0) {
    throw new StowageError(
      'RESTORE_NOTHING_SELECTED',
      `no index of the dump is selected by --match/--include/--exclude (hidden indices need --include-hidden); the dump holds ${[...all].slice(0, 20).join(', ')}${all.size > 20 ? ', …' : ''}`,
    );
  }
  const skippedIndices = [...all].filter((n) => !planned.has(n));
  if (skippedIndices.length > 0) ctx.log.info('indices left out by the filter', { indices: skippedIndices });
  ctx.log.info('restoring indices', { indices: names });
  return { all, planned, plans, names };
}

/** The caller's progress record (or a new one), set for this load. */
function startProgress(
  ctx: LoadContext,
  source: DumpSource,
  selection: Selection,
  loader: BulkLoader,
  startedAt: number,
): LoadProgress {
  const progress: LoadProgress = ctx.progress ?? {
    phase: 'preparing',
    indices: 0,
    read: 0,
    bulk: loader.stats,
    total: undefined,
    startedAt,
  };
  return Object.assign(progress, {
    phase: 'preparing',
    indices: selection.plans.length,
    bulk: loader.stats,
    total: plannedTotal(source, selection.names),
  });
}

/** Feeds every document to the loader and waits for the last bulk; an abort stops the loader. */
async function loadDocuments(
  ctx: LoadContext,
  source: DumpSource,
  selection: Selection,
  loader: BulkLoader,
  progress: LoadProgress,
): Promise<number> {
  const onAbort = () => loader.abort(ctx.signal?.reason ?? new Error('aborted'));
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await feed(ctx, source, selection.planned, selection.all, loader, progress);
  } catch (e) {
    // Let the bulks in flight end, so the counts reported below are what the cluster holds.
    await loader.flush().catch(() => {});
    throw e;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/** Settings back, refresh, counts compared, aliases and templates added, health awaited. */
async function finish(
  ctx: LoadContext,
  source: DumpSource,
  plans: readonly IndexPlan[],
  loader: BulkLoader,
): Promise<{ templates: number; health: string }> {
  const { parts } = ctx.options;
  const names = plans.map((p) => p.name);
  const expected = parts.data ? source.expectedCounts() : undefined;
  await forEachLimit(plans, 4, (plan) => finalizeSettings(ctx, plan));
  await refresh(ctx, names);
  if (expected) await compareCounts(ctx, names, expected, loader.stats.perIndex);
  await addAliases(ctx, plans);
  const templates = parts.template
    ? await restoreTemplates(ctx, templatesToRestore(source.templates, ctx.options))
    : 0;
  const health =
    names.length > 0 ? await waitForHealth(ctx, names, ctx.options.healthTimeoutSeconds) : 'green';
  return { templates, health };
}

async function feed(
  ctx: LoadContext,
  source: DumpSource,
  planned: Map<string, IndexPlan>,
  all: Set<string>,
  loader: BulkLoader,
  progress: LoadProgress,
): Promise<number> {
  const prefixes = new Map<string, string>();
  const prefixOf = (plan: IndexPlan, docType: string | undefined): string => {
    const type = ctx.cluster.mappingTypes ? (plan.bulkType ?? docType ?? '_doc') : undefined;
    const key = type === undefined ? plan.name : `${plan.name}\u0000${type}`;
    let p = prefixes.get(key);
    if (p === undefined) {
      p = `{"index":{"_index":${JSON.stringify(plan.name)}${type === undefined ? '' : `,"_type":${JSON.stringify(type)}`},"_id":`;
      prefixes.set(key, p);
    }
    return p;
  };
  const selected = new Set(planned.keys());
  let skipped = 0;
  for await (const batch of source.documents(selected)) {
    if (!ctx.options.parts.data) continue;
    for (let i = 0; i < batch.lines.length; i++) {
      const doc = parseDocumentLine(
        batch.lines[i]!,
        `${batch.origin} ${batch.firstLine + i}`,
        batch.sourceLast,
      );
      const name = batch.index ?? doc.index;
      const plan = planned.get(name);
      if (!plan) {
        if (!all.has(name)) {
          throw new StowageError(
            'ARCHIVE_INVALID',
            `${batch.origin} ${batch.firstLine + i}: a document of index "${name}", which the dump has no index record for`,
          );
        }
        skipped++;
        continue;
      }
      progress.read++;
      const routing = doc.routing === undefined ? '' : `,"routing":${JSON.stringify(doc.routing)}`;
      const action = `${prefixOf(plan, doc.type)}${JSON.stringify(doc.id)}${routing}}}\n`;
      const wait = loader.add(name, action, doc.source);
      if (wait) await wait;
    }
  }
  await loader.flush();
  return skipped;
}

async function compareCounts(
  ctx: LoadContext,
  names: readonly string[],
  expected: Record<string, number>,
  loaded: ReadonlyMap<string, number>,
): Promise<void> {
  const counted = await countDocuments(ctx, names);
  const wrong: string[] = [];
  for (const name of names) {
    const want = expected[name] ?? 0;
    const got = loaded.get(name) ?? 0;
    const has = counted.get(name) ?? 0;
    if (want !== got || got !== has) {
      wrong.push(`"${name}": ${want} in the backup, ${got} loaded, ${has} in the index`);
    }
  }
  if (wrong.length > 0) {
    throw new StowageError(
      'RESTORE_COUNT_MISMATCH',
      `document counts differ after the load: ${wrong.join('; ')}`,
    );
  }
  ctx.log.info('document counts match', { indices: names.length });
}

function templatesToRestore(templates: readonly TemplateRecord[], options: LoadOptions): TemplateRecord[] {
  // System templates (a leading dot) belong to the cluster's own features, like hidden indices.
  return templates.filter((t) => options.filter.includeHidden || !t.name.startsWith('.'));
}

function plannedTotal(source: DumpSource, names: readonly string[]): number | undefined {
  const counts = source.plannedCounts;
  return counts ? names.reduce((sum, n) => sum + (counts[n] ?? 0), 0) : undefined;
}

function isHidden(record: IndexRecord): boolean {
  const s = record.settings as { index?: { hidden?: unknown }; 'index.hidden'?: unknown };
  return String(s.index?.hidden ?? s['index.hidden']) === 'true';
}

function withIndexState(
  e: unknown,
  created: readonly string[],
  perIndex: ReadonlyMap<string, number>,
  phase: LoadProgress['phase'],
): unknown {
  if (created.length === 0) return e;
  const shown = created
    .slice(0, 10)
    .map((n) => `"${n}" (${perIndex.get(n) ?? 0} documents)`)
    .join(', ');
  const more = created.length > 10 ? ` and ${created.length - 10} more` : '';
  const state =
    phase === 'preparing' || phase === 'loading'
      ? 'left as created for the load (0 replicas, refresh off, no aliases)'
      : 'restored but not all checks passed';
  const message = `${errorMessage(e)}. Indices ${state}: ${shown}${more}; delete them, or restore again with --delete-existing`;
  return new StowageError(e instanceof StowageError ? e.code : 'RESTORE_FAILED', message, {
    cause: e,
  });
}

function bulkSender(client: LoadContext['client']): BulkSend {
  return async (body, signal) => {
    const res = await client.requestText('POST', '/_bulk', body, {
      ndjson: true,
      // Only what decides success: a small answer to parse however large the bulk.
      query: { filter_path: 'errors,items.*.status,items.*.error' },
      accept: [400, 413, 429, 500, 502, 503, 504],
      signal,
    });
    return { status: res.status, body: res.body };
  };
}
