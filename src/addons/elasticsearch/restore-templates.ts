/**
 * Puts the saved templates back, after the indices are restored.
 *
 * Why last: an index's saved settings and mappings already hold what a template gave it when it
 * was first created. Creating it again while a matching template exists merges the template in a
 * second time: a template changed since then would add fields, settings or aliases the index never
 * had, and a data-stream template would refuse the create. So the restored indices are created from
 * their own saved state only, and the templates shape just the indices created after the restore.
 * (Templates that already exist on the target cluster still apply to the create: the saved
 * settings and mappings win where they overlap, as with any explicit create.)
 *
 * Order among templates: component templates before the composable ones that compose them, then
 * legacy. A template the target cannot take (composable on Elasticsearch < 7.8) fails the restore
 * with its name. Mappings are moved between the typed and typeless shapes as the target needs.
 */
import { StowageError } from '../../errors.ts';
import type { TemplateKind, TemplateRecord } from './archive-format.ts';
import type { ClusterContext } from './restore-indices.ts';
import { mappingType, type Json } from './index-plan.ts';

const ENDPOINT: Record<TemplateKind, string> = {
  component: '_component_template',
  composable: '_index_template',
  legacy: '_template',
};
const ORDER: Record<TemplateKind, number> = { component: 0, composable: 1, legacy: 2 };
/** Read-only fields some versions return with a template. */
const READ_ONLY = ['created_date', 'created_date_millis', 'modified_date', 'modified_date_millis'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body to PUT on a target with (or without) mapping types (pure; unit-tested). */
export function templateBody(t: TemplateRecord, mappingTypes: boolean): Json {
  const body = structuredClone(t.body);
  for (const k of READ_ONLY) delete body[k];
  const mappings = body.mappings;
  if (t.kind === 'legacy' && isObject(mappings) && Object.keys(mappings).length > 0) {
    const type = mappingType(mappings);
    if (mappingTypes && !type) body.mappings = { _doc: mappings };
    if (!mappingTypes && type) body.mappings = mappings[type];
  }
  return body;
}

export function sortTemplates(templates: readonly TemplateRecord[]): TemplateRecord[] {
  return [...templates].sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || (a.name < b.name ? -1 : 1));
}

export async function restoreTemplates(
  ctx: ClusterContext,
  templates: readonly TemplateRecord[],
): Promise<number> {
  let count = 0;
  for (const t of sortTemplates(templates)) {
    if (t.kind !== 'legacy' && !ctx.cluster.composableTemplates) {
      throw new StowageError(
        'TEMPLATE_UNSUPPORTED',
        `the backup holds ${t.kind} template "${t.name}", which ${ctx.cluster.distribution} ${ctx.cluster.version} does not support (composable and component templates need Elasticsearch 7.8 or later); restore with --ignoreType=template and recreate it by hand`,
      );
    }
    const res = await ctx.client.request<{ error?: { type?: string; reason?: string } }>(
      'PUT',
      `/${ENDPOINT[t.kind]}/${encodeURIComponent(t.name)}`,
      templateBody(t, ctx.cluster.mappingTypes),
      { accept: [400], ...(ctx.signal ? { signal: ctx.signal } : {}) },
    );
    if (res.status >= 300) {
      throw new StowageError(
        'TEMPLATE_RESTORE_FAILED',
        `putting back ${t.kind} template "${t.name}" failed: ${res.body?.error?.type ?? 'HTTP 400'}: ${res.body?.error?.reason ?? JSON.stringify(res.body).slice(0, 300)}`,
      );
    }
    count++;
  }
  if (count > 0) ctx.log.info('templates restored', { templates: count });
  return count;
}
