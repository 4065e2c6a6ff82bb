/**
 * `apply` for the standalone runtime: create or update each object; one bad object never stops
 * the others. Status is never taken from a manifest (it is the controllers' to write).
 */
import { mergeStringData } from './secret-data.ts';
import type { AnyObject, ObjectOf } from '../../api/index.ts';
import type { Store } from '../../controllers/store.ts';
import { errorMessage } from '../../errors.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';

export interface ApplyOutcome {
  object: AnyObject;
  source: string;
  action: 'created' | 'configured' | 'unchanged' | 'failed' | 'valid';
  error?: string;
}

export async function applyObjects(
  store: Store,
  objects: Array<{ object: AnyObject; source: string }>,
  o: { dryRun?: boolean; defaultNamespace?: string } = {},
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const { object, source } of objects) {
    const obj = { ...object, metadata: { ...object.metadata } } as AnyObject;
    if (!obj.metadata.namespace && obj.kind !== 'Task' && obj.kind !== 'Function')
      obj.metadata.namespace = o.defaultNamespace ?? DEFAULT_NAMESPACE;
    delete (obj as { status?: unknown }).status;
    if (o.dryRun) {
      outcomes.push({ object: obj, source, action: 'valid' });
      continue;
    }
    try {
      const kind = obj.kind;
      const existing = obj.metadata.name
        ? await store.get(kind, obj.metadata.namespace ?? '', obj.metadata.name)
        : undefined;
      if (!existing) {
        outcomes.push({
          object: await store.create(obj as ObjectOf<typeof kind>),
          source,
          action: 'created',
        });
        continue;
      }
      const cur = existing as AnyObject;
      const merged = {
        ...obj,
        metadata: {
          ...cur.metadata,
          labels: obj.metadata.labels,
          annotations: obj.metadata.annotations,
          resourceVersion: undefined,
        },
      } as AnyObject;
      const same = JSON.stringify(strip(mergeStringData(merged))) === JSON.stringify(strip(cur));
      if (same) {
        outcomes.push({ object: cur, source, action: 'unchanged' });
        continue;
      }
      outcomes.push({
        object: await store.update(merged as ObjectOf<typeof kind>),
        source,
        action: 'configured',
      });
    } catch (e) {
      outcomes.push({ object: obj, source, action: 'failed', error: errorMessage(e) });
    }
  }
  return outcomes;
}

function strip(o: AnyObject): unknown {
  const { status: _s, metadata, ...rest } = o as AnyObject & { status?: unknown };
  return { ...rest, labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} };
}
