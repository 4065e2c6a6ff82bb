/**
 * Multi-document YAML (or JSON) manifests → validated objects. Each document stands alone: a bad
 * document yields an error naming the file, the document index, kind/name and the field paths,
 * and the other documents still load.
 */
import { parseAllDocuments } from 'yaml';
import { ValidationError } from '../errors.ts';
import { parseObject, type AnyObject } from './validate.ts';

export interface ManifestResult {
  objects: Array<{ object: AnyObject; source: string }>;
  errors: ValidationError[];
}

export function parseManifests(text: string, file: string): ManifestResult {
  const result: ManifestResult = { objects: [], errors: [] };
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const source = list.length > 1 ? `${file} (document ${i + 1})` : file;
    if (doc.errors.length > 0) {
      result.errors.push(
        new ValidationError(
          `${source}`,
          doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message })),
        ),
      );
      return;
    }
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) return; // empty document (e.g. trailing ---)
    const items = isList(raw) ? raw.items : [raw];
    for (const item of items) {
      try {
        result.objects.push({ object: parseObject(item, source), source });
      } catch (e) {
        if (e instanceof ValidationError) result.errors.push(e);
        else throw e;
      }
    }
  });
  return result;
}

function isList(raw: unknown): raw is { items: unknown[] } {
  const o = raw as { kind?: unknown; items?: unknown };
  return typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items);
}
