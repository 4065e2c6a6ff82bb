/**
 * The index side of a restore, against the cluster: refuse (or delete, with --delete-existing)
 * indices that already exist — before anything is changed —, create each index for a fast load
 * (./index-plan.ts), and afterwards put back the saved settings, refresh, add the aliases, compare
 * the document counts and wait for health.
 *
 * A setting the target does not know (a plugin's, one removed in a later major) would make the
 * create fail; it is dropped with a warning and the create tried again, so a backup moves between
 * clusters with different plugins.
 */
import { StowageError } from '../../errors.ts';
import type { ClusterInfo } from './cluster-info.ts';
import type { SearchClient } from './http-client.ts';
import { dropSetting, type IndexPlan, type Json } from './index-plan.ts';

export interface RestoreLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ClusterContext {
  client: SearchClient;
  cluster: ClusterInfo;
  log: RestoreLog;
  signal?: AbortSignal | undefined;
}

/** The names on the cluster an index or alias of the restore would collide with. */
export interface Existing {
  indices: Set<string>;
  /** alias name → the indices it points at */
  aliases: Map<string, string[]>;
}

export async function existingNames(ctx: ClusterContext): Promise<Existing> {
  const catJson = async <T>(path: string, h: string): Promise<T[]> => {
    const query = { format: 'json', h, expand_wildcards: ctx.cluster.hiddenIndices ? 'all' : undefined };
    const res = await ctx.client.request<T[]>('GET', path, undefined, { query, ...signalOf(ctx) });
    return res.body ?? [];
  };
  const [indices, aliases] = await Promise.all([
    catJson<{ index: string }>('/_cat/indices', 'index'),
    catJson<{ alias: string; index: string }>('/_cat/aliases', 'alias,index'),
  ]);
  const byAlias = new Map<string, string[]>();
  for (const a of aliases) byAlias.set(a.alias, [...(byAlias.get(a.alias) ?? []), a.index]);
  return { indices: new Set(indices.map((i) => i.index)), aliases: byAlias };
}

/**
 * What must be deleted first; throws, naming every clash, when an index exists without
 * `deleteExisting` or a name clashes with an alias (never deleted: it belongs to another index).
 */
export function checkCollisions(
  plans: readonly IndexPlan[],
  existing: Existing,
  deleteExisting: boolean,
): string[] {
  const toDelete: string[] = [];
  const problems: string[] = [];
  const restored = new Set(plans.map((p) => p.name));
  for (const p of plans) {
    if (existing.indices.has(p.name)) {
      if (deleteExisting) toDelete.push(p.name);
      else problems.push(`index "${p.name}" already exists`);
    }
    const aliasOf = existing.aliases.get(p.name);
    if (aliasOf)
      problems.push(`"${p.name}" is the name of an alias of ${aliasOf.map((i) => `"${i}"`).join(', ')}`);
    for (const alias of p.aliases) {
      if (existing.indices.has(alias) && !restored.has(alias)) {
        problems.push(`alias "${alias}" of index "${p.name}" is the name of an existing index`);
      }
    }
  }
  if (problems.length > 0) {
    const hint = problems.some((m) => m.endsWith('already exists'))
      ? ' Delete them, restore a subset (--include/--exclude/--match), or pass --delete-existing to replace them.'
      : '';
    throw new StowageError(
      'RESTORE_CONFLICT',
      `refusing to restore: ${problems.join('; ')}. Nothing was changed.${hint}`,
    );
  }
  return toDelete;
}

export async function deleteIndices(ctx: ClusterContext, names: readonly string[]): Promise<void> {
  for (const chunk of chunkNames(names)) {
    await ctx.client.request('DELETE', `/${chunk}`, undefined, { ...signalOf(ctx) });
  }
  if (names.length > 0) ctx.log.info('deleted existing indices', { indices: names });
}

/** Creates the index for the load (0 replicas, refresh off); drops settings the target lacks. */
export async function createIndex(ctx: ClusterContext, plan: IndexPlan): Promise<void> {
  const body = structuredClone(plan.create);
  for (let attempt = 0; ; attempt++) {
    const res = await ctx.client.request<{ error?: { type?: string; reason?: string } }>(
      'PUT',
      `/${encodeURIComponent(plan.name)}`,
      body,
      { accept: [400], ...signalOf(ctx) },
    );
    if (res.status < 300) return;
    const reason = res.body?.error?.reason ?? JSON.stringify(res.body).slice(0, 300);
    const unknown = /unknown setting \[([^\]]+)\]/.exec(reason)?.[1];
    if (unknown && attempt < 50 && dropSetting(body, unknown)) {
      ctx.log.warn('dropped a setting the cluster does not know', { index: plan.name, setting: unknown });
      continue;
    }
    throw new StowageError(
      'INDEX_CREATE_FAILED',
      `creating index "${plan.name}" failed: ${res.body?.error?.type ?? 'HTTP 400'}: ${reason}`,
    );
  }
}

/** Puts back replicas, refresh interval, auto-expand and blocks as saved. */
export async function finalizeSettings(ctx: ClusterContext, plan: IndexPlan): Promise<void> {
  await ctx.client.request('PUT', `/${encodeURIComponent(plan.name)}/_settings`, plan.finalSettings, {
    ...signalOf(ctx),
  });
}

export async function refresh(ctx: ClusterContext, names: readonly string[]): Promise<void> {
  for (const chunk of chunkNames(names)) {
    await ctx.client.request('POST', `/${chunk}/_refresh`, undefined, {
      query: { expand_wildcards: ctx.cluster.hiddenIndices ? 'all' : undefined },
      ...signalOf(ctx),
    });
  }
}

export async function addAliases(ctx: ClusterContext, plans: readonly IndexPlan[]): Promise<void> {
  const actions = plans.flatMap((p) => p.aliasActions);
  for (let i = 0; i < actions.length; i += 500) {
    await ctx.client.request(
      'POST',
      '/_aliases',
      { actions: actions.slice(i, i + 500) },
      { ...signalOf(ctx) },
    );
  }
}

/** `_count` of every index (after a refresh). */
export async function countDocuments(
  ctx: ClusterContext,
  names: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await forEachLimit(names, 8, async (name) => {
    const res = await ctx.client.request<{ count: number }>(
      'GET',
      `/${encodeURIComponent(name)}/_count`,
      undefined,
      { ...signalOf(ctx) },
    );
    counts.set(name, res.body.count);
  });
  return counts;
}

/**
 * Waits until the restored indices are at least yellow (a single node never gets replicas
 * assigned); throws with the status reached when the timeout passes first.
 */
export async function waitForHealth(
  ctx: ClusterContext,
  names: readonly string[],
  timeoutSeconds: number,
): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let worst = 'green';
  for (const chunk of chunkNames(names)) {
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const res = await ctx.client.request<{
      status?: string;
      timed_out?: boolean;
      unassigned_shards?: number;
    }>('GET', `/_cluster/health/${chunk}`, undefined, {
      query: {
        wait_for_status: 'yellow',
        timeout: `${left}s`,
        expand_wildcards: ctx.cluster.hiddenIndices ? 'all' : undefined,
      },
      accept: [408],
      ...signalOf(ctx),
    });
    const status = res.body.status ?? 'unknown';
    if (res.status === 408 || res.body.timed_out || status === 'red') {
      throw new StowageError(
        'RESTORE_UNHEALTHY',
        `the restored indices did not reach yellow health within ${timeoutSeconds}s (status ${status}, ${res.body.unassigned_shards ?? '?'} unassigned shards); check GET /_cluster/allocation/explain, or raise --health-timeout`,
        {},
      );
    }
    if (status === 'yellow') worst = 'yellow';
  }
  return worst;
}

/** Comma-joined index names in URL-safe pieces of at most ~3000 characters. */
export function chunkNames(names: readonly string[]): string[] {
  const out: string[] = [];
  let cur = '';
  for (const n of names) {
    const e = encodeURIComponent(n);
    if (cur !== '' && cur.length + e.length + 1 > 3000) {
      out.push(cur);
      cur = '';
    }
    cur = cur === '' ? e : `${cur},${e}`;
  }
  if (cur !== '') out.push(cur);
  return out;
}

export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function signalOf(ctx: ClusterContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

export type { Json };
