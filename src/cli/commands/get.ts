import type { Command } from 'commander';
import { stringify } from 'yaml';
import { lookupKind, type AnyObject, type KindName } from '../../api/index.ts';
import { StowageError } from '../../errors.ts';
import { openLocalStore, type CliContext } from '../context.ts';
import { renderTable } from '../table.ts';

export function resolveKind(name: string): KindName {
  const info = lookupKind(name);
  if (!info)
    throw new StowageError(
      'USAGE',
      `unknown resource type "${name}"; try repository, backupconfiguration (bc), backupsession, restoresession, task, function, appbinding, secret`,
    );
  return info.kind as KindName;
}

export function printObjects(
  ctx: CliContext,
  kind: KindName,
  objects: AnyObject[],
  output: string | undefined,
  allNamespaces: boolean,
): void {
  if (output === 'yaml') ctx.out(objects.map((o) => stringify(o)).join('---\n'));
  else if (output === 'json')
    ctx.out(
      JSON.stringify(
        objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects },
        null,
        2,
      ),
    );
  else if (output === 'name')
    ctx.out(objects.map((o) => `${kind.toLowerCase()}/${o.metadata.name}`).join('\n'));
  else if (objects.length === 0) process.stderr.write('No resources found.\n');
  else ctx.out(renderTable(lookupKind(kind)!, objects, { allNamespaces, now: new Date() }));
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('List objects, or show one (tables like kubectl)')
    .argument('<kind>', 'kind, plural or short name (repo, bc, backupsession, restore, task, fn, appbinding)')
    .argument('[name]', 'object name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across namespaces')
    .option('-o, --output <format>', 'yaml | json | name')
    .action(
      async (
        kindArg: string,
        name: string | undefined,
        o: { namespace: string; allNamespaces?: boolean; output?: string },
      ) => {
        const kind = resolveKind(kindArg);
        if (o.output && !['yaml', 'json', 'name'].includes(o.output))
          throw new StowageError('USAGE', `--output must be yaml, json or name, not "${o.output}"`);
        const store = openLocalStore(ctx);
        if (name) {
          const obj = await store.get(kind, o.namespace, name);
          if (!obj)
            throw new StowageError('NOT_FOUND', `${kind} "${name}" not found in namespace "${o.namespace}"`);
          printObjects(ctx, kind, [obj as AnyObject], o.output, false);
          return;
        }
        const objects = (await store.list(
          kind,
          o.allNamespaces ? {} : { namespace: o.namespace },
        )) as AnyObject[];
        printObjects(ctx, kind, objects, o.output, o.allNamespaces ?? false);
      },
    );
}
