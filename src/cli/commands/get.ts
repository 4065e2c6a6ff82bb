import type { Command } from 'commander';
import { lookupKind, type AnyObject, type KindName } from '../../api/index.ts';
import { StowageError } from '../../errors.ts';
import { openStore, type CliContext } from '../context.ts';
import { parseOutput, printStructured, type OutputFormat } from '../output.ts';
import { renderTable } from '../table.ts';

export function resolveKind(name: string): KindName {
  const info = lookupKind(name);
  if (!info)
    throw new StowageError(
      'USAGE',
      `unknown resource type "${name}"; expected one of: repository (repo), backupconfiguration (bc), backupsession, restoresession (restore), task, function (fn), appbinding, secret`,
    );
  return info.kind as KindName;
}

function printObjects(
  ctx: CliContext,
  kind: KindName,
  objects: AnyObject[],
  output: OutputFormat,
  o: { allNamespaces: boolean; single: boolean },
): void {
  if (output === 'yaml' || output === 'json')
    printStructured(ctx, output, o.single ? { single: objects[0] } : { items: objects });
  else if (output === 'name') {
    if (objects.length) ctx.out(objects.map((x) => `${kind.toLowerCase()}/${x.metadata.name}`).join('\n'));
  } else if (objects.length === 0) ctx.warn('No resources found.');
  else ctx.out(renderTable(lookupKind(kind)!, objects, { allNamespaces: o.allNamespaces, now: new Date() }));
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description("List objects, or show one (tables with Stash's printer columns, like kubectl)")
    .argument(
      '<kind>',
      'kind, plural or short name (repo, bc, backupsession, restore, task, fn, appbinding, secret)',
    )
    .argument('[name]', 'object name')
    .option('-n, --namespace <ns>', 'namespace', ctx.defaultNamespace)
    .option('-A, --all-namespaces', 'list across namespaces')
    .option('-l, --selector <k=v,...>', 'only objects with these labels')
    .option('-o, --output <format>', 'yaml | json | name')
    .option('-w, --watch', 'after listing, print objects again whenever they change (Ctrl-C ends)')
    .action(
      async (
        kindArg: string,
        name: string | undefined,
        o: {
          namespace: string;
          allNamespaces?: boolean;
          output?: string;
          selector?: string;
          watch?: boolean;
        },
      ) => {
        const kind = resolveKind(kindArg);
        const output = parseOutput(o.output, ['table', 'yaml', 'json', 'name']);
        const labels = o.selector === undefined ? undefined : parseSelector(o.selector);
        const store = openStore(ctx);
        const allNamespaces = !name && (o.allNamespaces ?? false);
        const fetch = async (): Promise<AnyObject[]> => {
          if (name) {
            const obj = await store.get(kind, o.namespace, name);
            return obj ? [obj as AnyObject] : [];
          }
          return (await store.list(kind, {
            ...(o.allNamespaces ? {} : { namespace: o.namespace }),
            ...(labels ? { labels } : {}),
          })) as AnyObject[];
        };
        const objects = await fetch();
        if (name && objects.length === 0)
          throw new StowageError(
            'NOT_FOUND',
            `${kind} "${name}" not found${lookupKind(kind)?.scope === 'Cluster' ? '' : ` in namespace "${o.namespace}"`}`,
          );
        printObjects(ctx, kind, objects, output, { allNamespaces, single: Boolean(name) });
        if (o.watch) await watch(ctx, kind, fetch, objects, output, allNamespaces);
      },
    );
}

/**
 * `-w`: polls the Store and prints each object whose resourceVersion changed (tables without the
 * header, as kubectl does). Deletions are not printed. Runs until the process is interrupted.
 */
async function watch(
  ctx: CliContext,
  kind: KindName,
  fetch: () => Promise<AnyObject[]>,
  initial: AnyObject[],
  output: OutputFormat,
  allNamespaces: boolean,
): Promise<never> {
  const key = (x: AnyObject) => `${x.metadata.namespace ?? ''}/${x.metadata.name ?? ''}`;
  const seen = new Map(initial.map((x) => [key(x), x.metadata.resourceVersion]));
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const changed = (await fetch()).filter((x) => seen.get(key(x)) !== x.metadata.resourceVersion);
    for (const x of changed) seen.set(key(x), x.metadata.resourceVersion);
    if (changed.length === 0) continue;
    if (output === 'table') {
      const table = renderTable(lookupKind(kind)!, changed, { allNamespaces, now: new Date() });
      ctx.out(table.split('\n').slice(1).join('\n'));
    } else if (output === 'yaml' || output === 'json') {
      for (const x of changed) {
        if (output === 'yaml') ctx.out('---');
        printStructured(ctx, output, { single: x });
      }
    } else printObjects(ctx, kind, changed, output, { allNamespaces, single: false });
  }
}

/** Equality selectors only (`a=b,c=d`), which is what the Store supports. */
function parseSelector(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=!]+)==?([^=]*)$/.exec(part);
    if (!m)
      throw new StowageError(
        'USAGE',
        `--selector "${part}" is not supported; use key=value pairs separated by commas`,
      );
    out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}
