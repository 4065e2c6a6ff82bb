/**
 * The cluster's index templates, as bodies to PUT back: legacy (`GET /_template`), composable
 * (`GET /_index_template`) and component (`GET /_component_template`) where the engine has the
 * last two (Elasticsearch ≥ 7.8, every OpenSearch). Templates are cluster-wide, so all of them are
 * dumped whatever indices are selected, as multielasticdump does.
 *
 * Left out, because the cluster (or its plugins) creates them itself and a restore must not
 * overwrite a newer built-in version with an old copy:
 * - names starting with `.` (`.monitoring-*`, `.watches`, `.ml-*`, `.opendistro-*`, `.kibana*`, …);
 * - composable and component templates with `_meta.managed: true`, the mark Elasticsearch puts on
 *   the stack templates it installs and re-installs (`logs`, `metrics`, `synthetics`,
 *   `ilm-history`, `logs@mappings`, `ecs@mappings`, …);
 * - legacy templates that X-Pack installs without a dot: `*-index-template`
 *   (`security-index-template`, `logstash-index-template`), `*_audit_log`, `ilm-history*`,
 *   `slm-history*`. elasticdump's own filter (`^(metrics|logs|.+_audit_log|.+-index-template|\..+)$`)
 *   drops these too; it also drops legacy templates named exactly `logs` or `metrics`, which on an
 *   engine with composable templates are the user's own (the built-in ones are composable), so
 *   those are kept here.
 * The test distributions install no template at all, so these rules come from the engines' sources
 * and docs; what was skipped is reported (`skipped`) and logged by the dump.
 */
import { templateRecord, type TemplateKind, type TemplateRecord } from './archive-format.ts';
import type { ClusterInfo } from './cluster-info.ts';
import type { SearchClient } from './http-client.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const BUILT_IN_LEGACY = /^(.+-index-template|.+_audit_log|ilm-history.*|slm-history.*)$/;

/** Why a template is the cluster's own, or undefined for a user template (pure; unit-tested). */
export function builtInReason(kind: TemplateKind, name: string, body: Json): string | undefined {
  if (name.startsWith('.')) return 'a system template (the name starts with ".")';
  const meta = body._meta;
  if (kind !== 'legacy' && isObject(meta) && meta.managed === true) {
    return 'managed by the cluster (_meta.managed), which installs it again itself';
  }
  if (kind === 'legacy' && BUILT_IN_LEGACY.test(name)) return 'installed by X-Pack';
  return undefined;
}

export interface SkippedTemplate {
  kind: TemplateKind;
  name: string;
  reason: string;
}

export interface TemplateSet {
  templates: TemplateRecord[];
  skipped: SkippedTemplate[];
}

interface ComposableAnswer {
  index_templates?: Array<{ name: string; index_template: Json }>;
}
interface ComponentAnswer {
  component_templates?: Array<{ name: string; component_template: Json }>;
}

export async function fetchTemplates(
  client: SearchClient,
  info: Pick<ClusterInfo, 'composableTemplates'>,
  signal?: AbortSignal,
): Promise<TemplateSet> {
  const opts = signal ? { signal } : {};
  const [legacy, composable, component] = await Promise.all([
    client.request<Record<string, Json>>('GET', '/_template', undefined, opts),
    info.composableTemplates
      ? client.request<ComposableAnswer>('GET', '/_index_template', undefined, opts)
      : undefined,
    info.composableTemplates
      ? client.request<ComponentAnswer>('GET', '/_component_template', undefined, opts)
      : undefined,
  ]);
  const all: TemplateRecord[] = [
    ...Object.entries(legacy.body ?? {}).map(([name, body]) => templateRecord('legacy', name, body)),
    ...(composable?.body?.index_templates ?? []).map((t) =>
      templateRecord('composable', t.name, t.index_template),
    ),
    ...(component?.body?.component_templates ?? []).map((t) =>
      templateRecord('component', t.name, t.component_template),
    ),
  ];
  return selectTemplates(all);
}

/** User templates first component, then composable, then legacy, each by name (pure). */
export function selectTemplates(all: readonly TemplateRecord[]): TemplateSet {
  const templates: TemplateRecord[] = [];
  const skipped: SkippedTemplate[] = [];
  for (const t of all) {
    const reason = builtInReason(t.kind, t.name, t.body);
    if (reason) skipped.push({ kind: t.kind, name: t.name, reason });
    else templates.push(t);
  }
  // Components before the composables that are composed of them, as a loader must PUT them.
  const order: Record<TemplateKind, number> = { component: 0, composable: 1, legacy: 2 };
  templates.sort((a, b) => order[a.kind] - order[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { templates, skipped };
}
