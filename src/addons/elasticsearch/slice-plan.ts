/**
 * How the documents are split for parallel reading (pure; unit-tested). Measured on the five
 * engines (docs/search-engines.md, "Parallel reads"):
 * - A sliced PIT search with `search_after` pages correctly only while each slice stays inside one
 *   shard, or sorts on a tiebreaker unique across the whole PIT. OpenSearch computes slices per
 *   index (each index's own shard count) and its `_shard_doc` (3.x) repeats across indices: over
 *   two indices both lose documents. Elasticsearch ≥ 7.12 would page any slicing correctly.
 * - What pages correctly everywhere: one task per (index, shard), selecting the index with a
 *   `term` on `_index` and the shard with `slice: {id: shard, max: shards}`, sorted on `_doc`.
 *   So that is the plan on every PIT engine.
 * - Splitting a shard further with `slice` (`max` = shards × k) is correct too, but the engines
 *   then hash every `_id` of the shard on every page: on OpenSearch 2.19 a 1-shard index of 200 k
 *   documents read 2.5× slower with 2 or 4 sub-slices than with one. Where there are fewer tasks
 *   than slices, the largest tasks are split instead by `_seq_no` ranges (a points range query,
 *   cheap per page; still one shard per task, so `_doc` still pages correctly): the same index
 *   read 1.6× faster in 2 ranges than in one. Every document has one `_seq_no`, the last range is
 *   open-ended, so the ranges partition the shard whatever the bounds (the counts are checked).
 * - Without PIT (Elasticsearch 6.8) one sliced scroll over all indices, all slices opened at once:
 *   each slice keeps its own position, so slices may span shards; more slices than an index has
 *   shards hash `_id` again, so the count follows the shards of the largest index.
 * Tasks run largest first, so the last one to finish is a small one.
 */

export interface SliceSpec {
  id: number;
  max: number;
}

/** A `_seq_no` range: `gte` ≤ seq_no < `lt` (no `lt`: to the end). */
export interface SeqNoRange {
  gte: number;
  lt?: number;
}

/** One shard of one index (or a `_seq_no` range of it), read with search_after over the PIT. */
export interface PitTask {
  index: string;
  /** Undefined for a one-shard index (`slice.max` must be > 1). */
  slice: SliceSpec | undefined;
  /** Undefined: the whole shard. */
  seqNo?: SeqNoRange;
  /** Documents expected (the index's count over its shards), for ordering and progress. */
  estimate: number;
}

/** A task smaller than this is not split: a few more requests would cost more than they save. */
export const MIN_SPLIT_DOCS = 1000;

/**
 * Splits the largest tasks in two by `_seq_no` (pure) while there are fewer tasks than workers, or
 * one task is so large (more than 1.5 × its fair share) that the other workers would finish long
 * before it; at most 4 tasks per worker. `maxSeqNo` holds the highest `_seq_no` of each index (over
 * its shards); indices not in it are not split.
 */
export function splitTasks(
  tasks: readonly PitTask[],
  workers: number,
  maxSeqNo: Readonly<Record<string, number>>,
): PitTask[] {
  const out = [...tasks];
  const share = out.reduce((sum, t) => sum + t.estimate, 0) / Math.max(1, workers);
  for (;;) {
    const best = largestSplittable(out, maxSeqNo);
    if (best < 0) break;
    const t = out[best]!;
    const wanted = out.length < workers || (t.estimate > 1.5 * share && out.length < 4 * workers);
    if (!wanted) break;
    out.splice(best, 1, ...splitInTwo(t, maxSeqNo));
  }
  return out.sort(largestFirst);
}

/** The `_seq_no` range a task covers: [bottom, top). */
function seqNoRange(t: PitTask, maxSeqNo: Readonly<Record<string, number>>): { bottom: number; top: number } {
  return { bottom: t.seqNo?.gte ?? 0, top: t.seqNo?.lt ?? (maxSeqNo[t.index] ?? -1) + 1 };
}

/** The position of the largest task worth splitting, or -1. */
function largestSplittable(tasks: readonly PitTask[], maxSeqNo: Readonly<Record<string, number>>): number {
  let best = -1;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    const { bottom, top } = seqNoRange(t, maxSeqNo);
    if (t.estimate < 2 * MIN_SPLIT_DOCS || top - bottom < 2) continue;
    if (best < 0 || t.estimate > tasks[best]!.estimate) best = i;
  }
  return best;
}

function splitInTwo(t: PitTask, maxSeqNo: Readonly<Record<string, number>>): [PitTask, PitTask] {
  const { bottom, top } = seqNoRange(t, maxSeqNo);
  const mid = Math.floor((bottom + top) / 2);
  const lower: PitTask = { ...t, seqNo: { gte: bottom, lt: mid }, estimate: t.estimate / 2 };
  // The upper half keeps an open end where the task had one: documents above the max seen.
  const upper: PitTask = {
    ...t,
    seqNo: t.seqNo?.lt === undefined ? { gte: mid } : { gte: mid, lt: t.seqNo.lt },
    estimate: t.estimate / 2,
  };
  return [lower, upper];
}

/** The largest task first, so the last one to finish is a small one; then by index name. */
function largestFirst(a: PitTask, b: PitTask): number {
  return b.estimate - a.estimate || (a.index < b.index ? -1 : a.index > b.index ? 1 : 0);
}

export interface IndexShards {
  name: string;
  shards: number;
}

export function planPitTasks(
  indices: readonly IndexShards[],
  counts: Readonly<Record<string, number>>,
): PitTask[] {
  const tasks: PitTask[] = [];
  for (const idx of indices) {
    const docs = counts[idx.name] ?? 0;
    if (docs === 0) continue;
    const shards = Math.max(1, idx.shards);
    for (let id = 0; id < shards; id++) {
      tasks.push({
        index: idx.name,
        slice: shards > 1 ? { id, max: shards } : undefined,
        estimate: docs / shards,
      });
    }
  }
  return tasks.sort(largestFirst);
}

/**
 * Slices of the one scroll: at most `workers`, and no more than the shards of the index that holds
 * the most documents (beyond that every page hashes `_id`).
 */
export function scrollSlices(
  workers: number,
  indices: ReadonlyArray<IndexShards & { docs: number }>,
): number {
  const biggest = [...indices].sort((a, b) => b.docs - a.docs)[0];
  return Math.max(1, Math.min(workers, biggest?.shards ?? 1));
}

/** Parallel requests by default: two per core of the machine that runs the dump, 2 to 16. */
export function defaultSlices(cores: number): number {
  return Math.min(16, Math.max(2, 2 * cores));
}

/** Documents per page by default (measured: see docs/search-engines.md, "Dump throughput"). */
export const DEFAULT_BATCH_SIZE = 2000;

/**
 * A page is kept near this many bytes: the batch size shrinks for large documents. Each slice
 * holds two pages, so this sets the dump's memory: 1.27 GB of 2 KB documents peaked at 140–159 MB
 * RSS with 2 MB pages and 209–223 MB with 8 MB pages, 5–8 % faster.
 */
export const TARGET_PAGE_BYTES = 2 * 1024 * 1024;

/** The first page of a search_after slice: small, until the documents' size is known. */
export const FIRST_PAGE_SIZE = 200;

/** Next page size from the average document size seen so far (pure). */
export function nextPageSize(batchSize: number, bytesSeen: number, docsSeen: number): number {
  if (docsSeen === 0) return Math.min(batchSize, FIRST_PAGE_SIZE);
  const perDoc = Math.max(1, bytesSeen / docsSeen);
  return Math.max(1, Math.min(batchSize, Math.floor(TARGET_PAGE_BYTES / perDoc)));
}
