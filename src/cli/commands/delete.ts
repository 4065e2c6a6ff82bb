import type { Command } from 'commander';
import type { KindName } from '../../api/index.ts';
import { StowageError } from '../../errors.ts';
import { openStore, type CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { readManifests } from '../manifest-files.ts';
import { resolveKind } from './get.ts';

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description("Delete objects (and what they own, e.g. a BackupConfiguration's sessions)")
    .argument('[kind]', 'kind, plural or short name')
    .argument('[names...]', 'names')
    .option('-n, --namespace <ns>', 'namespace', ctx.defaultNamespace)
    .option('-f, --filename <path...>', 'delete the objects named in these manifests')
    .option('--ignore-not-found', 'treat objects that do not exist as deleted')
    .addHelpText(
      'after',
      '\nExamples:\n  stowage delete bc sample-postgres-backup -n demo\n  stowage delete -f examples/standalone',
    )
    .action(
      async (
        kindArg: string | undefined,
        names: string[],
        o: { namespace: string; filename?: string[]; ignoreNotFound?: boolean },
      ) => {
        const targets: Array<{ kind: KindName; ns: string; name: string }> = [];
        if (o.filename) {
          if (kindArg) throw new StowageError('USAGE', 'give either <kind> <name...> or -f <file>, not both');
          const { objects, errors } = readManifests(o.filename);
          for (const e of errors) ctx.warn(`error: ${e.message}`);
          for (const { object } of objects)
            if (object.metadata.name)
              targets.push({
                kind: object.kind,
                ns: object.metadata.namespace ?? o.namespace,
                name: object.metadata.name,
              });
          if (errors.length) process.exitCode = ExitCode.InvalidInput;
        } else {
          if (!kindArg || names.length === 0)
            throw new StowageError(
              'USAGE',
              'delete needs a kind and at least one name, or -f <file>\nusage: stowage delete <kind> <name...> [-n <ns>] | stowage delete -f <file|folder>',
            );
          const kind = resolveKind(kindArg);
          for (const name of names) targets.push({ kind, ns: o.namespace, name });
        }
        const store = openStore(ctx);
        let missing = 0;
        for (const t of targets) {
          // One missing object does not stop the others, as with kubectl.
          if (await store.delete(t.kind, t.ns, t.name)) {
            // An object with finalizers stays until its controller removes them (a Repository's
            // `stash`: after its wipeOut), as on Kubernetes.
            const pending = (await store.get(t.kind, t.ns, t.name))?.metadata.finalizers ?? [];
            ctx.out(
              pending.length > 0
                ? `${t.kind.toLowerCase()}/${t.name} marked for deletion (waiting for finalizers: ${pending.join(', ')})`
                : `${t.kind.toLowerCase()}/${t.name} deleted`,
            );
          } else if (!o.ignoreNotFound) {
            missing++;
            ctx.warn(`error: ${t.kind} "${t.name}" not found in namespace "${t.ns}"`);
          }
        }
        if (missing > 0 && process.exitCode === undefined) process.exitCode = ExitCode.NotFound;
      },
    );
}
