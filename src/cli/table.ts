/** kubectl-like tables: NAME (NAMESPACE with -A) plus the kind's printer columns. */
import type { AnyObject, KindInfo } from '../api/index.ts';

function jsonPathValue(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function age(iso: string | undefined, now: Date): string {
  if (!iso) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`.replace(/m\d+s$/, (x) => (m >= 10 ? 'm' : x));
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 && h < 10 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

function cell(value: unknown, type: string, now: Date): string {
  if (value === undefined || value === null || value === '') return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
  return type === 'date' ? age(text, now) : text;
}

export function renderTable(
  info: KindInfo,
  objects: AnyObject[],
  o: { allNamespaces: boolean; now: Date },
): string {
  const headers = [
    ...(o.allNamespaces && info.scope === 'Namespaced' ? ['NAMESPACE'] : []),
    'NAME',
    ...info.printerColumns.map((c) => c.name.toUpperCase()),
  ];
  const rows = objects.map((obj) => [
    ...(o.allNamespaces && info.scope === 'Namespaced' ? [obj.metadata.namespace ?? ''] : []),
    obj.metadata.name ?? '',
    ...info.printerColumns.map((c) => cell(jsonPathValue(obj, c.jsonPath), c.type, o.now)),
  ]);
  return renderColumns(headers, rows);
}

/** Left-aligned columns, three spaces apart, as kubectl prints them. */
export function renderColumns(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
