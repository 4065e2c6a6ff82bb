/**
 * Turns untrusted input (a YAML document, an API response) into a typed object, or a
 * ValidationError that names the source, the kind/name and every field path that is wrong.
 */
import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { apiVersionOf, kinds, type KindName } from './kinds.ts';
import { objectNameIssues } from './object-name.ts';

export type ObjectOf<K extends KindName> = z.infer<(typeof kinds)[K]['schema']>;
export type AnyObject = { [K in KindName]: ObjectOf<K> }[KindName];
/** The status of a kind's objects (`never` for a kind without one). */
export type StatusOf<K extends KindName> = ObjectOf<K>['status' & keyof ObjectOf<K>];

function describe(raw: unknown): { kind: string; name: string } {
  const o = (raw ?? {}) as { kind?: unknown; metadata?: { name?: unknown; generateName?: unknown } };
  const kind = typeof o.kind === 'string' ? o.kind : '<no kind>';
  const name =
    typeof o.metadata?.name === 'string'
      ? o.metadata.name
      : typeof o.metadata?.generateName === 'string'
        ? `${o.metadata.generateName}*`
        : '<no name>';
  return { kind, name };
}

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, ''),
    message: messageOf(i),
  }));
}

/** zod reports a missing field as a type error ("expected string, received undefined"); say it plainly. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message))
    return `is required (expected ${issue.expected})`;
  return issue.message;
}

/** Validates any supported object; `source` names where it came from (a file, "API"). */
export function parseObject(raw: unknown, source?: string): AnyObject {
  const { kind, name } = describe(raw);
  const subject = `${source ? `${source}: ` : ''}${kind}/${name}`;
  const info = (kinds as Record<string, (typeof kinds)[KindName]>)[kind];
  if (!info) {
    throw new ValidationError(subject, [
      {
        path: 'kind',
        message: `unsupported kind "${kind}"; expected one of ${Object.keys(kinds).join(', ')}`,
      },
    ]);
  }
  const apiVersion = (raw as { apiVersion?: unknown }).apiVersion;
  if (apiVersion !== apiVersionOf(info)) {
    throw new ValidationError(subject, [
      {
        path: 'apiVersion',
        message: `expected "${apiVersionOf(info)}" for kind ${kind}, got ${JSON.stringify(apiVersion)}`,
      },
    ]);
  }
  const result = info.schema.safeParse(raw);
  if (!result.success) throw new ValidationError(subject, issuesOf(result.error));
  const obj = result.data as AnyObject;
  if (!obj.metadata.name && !obj.metadata.generateName) {
    throw new ValidationError(subject, [{ path: 'metadata.name', message: 'a name is required' }]);
  }
  const { name: objectName, generateName, namespace } = obj.metadata;
  const nameIssues = objectNameIssues({
    name: objectName,
    generateName,
    namespace: info.scope === 'Cluster' ? undefined : namespace,
  });
  if (nameIssues.length > 0) throw new ValidationError(subject, nameIssues);
  return obj;
}
