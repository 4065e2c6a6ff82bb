import type { Command } from 'commander';
import type { KindName } from '../../api/index.ts';
import { StowageError } from '../../errors.ts';
import { openLocalStore, type CliContext } from '../context.ts';
import { readManifests } from '../manifest-files.ts';
import { resolveKind } from './get.ts';

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description("Delete objects (and what they own, e.g. a BackupConfiguration's sessions)")
    .argument('[kind]', 'kind')
    .argument('[names...]', 'names')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-f, --filename <path...>', 'delete the objects named in these manifests')
    .action(
      async (kindArg: string | undefined, names: string[], o: { namespace: string; filename?: string[] }) => {
        const store = openLocalStore(ctx);
        const targets: Array<{ kind: KindName; ns: string; name: string }> = [];
        if (o.filename) {
          for (const { object } of readManifests(o.filename).objects)
            targets.push({
              kind: object.kind,
              ns: object.metadata.namespace ?? o.namespace,
              name: object.metadata.name ?? '',
            });
        } else {
          if (!kindArg || names.length === 0)
            throw new StowageError(
              'USAGE',
              'usage: stowage delete <kind> <name...> or stowage delete -f <file>',
            );
          const kind = resolveKind(kindArg);
          for (const name of names) targets.push({ kind, ns: o.namespace, name });
        }
        for (const t of targets) {
          const deleted = await store.delete(t.kind, t.ns, t.name);
          if (!deleted)
            throw new StowageError('NOT_FOUND', `${t.kind} "${t.name}" not found in namespace "${t.ns}"`);
          ctx.out(`${t.kind.toLowerCase()}/${t.name} deleted`);
        }
      },
    );
}
