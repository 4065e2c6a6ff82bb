import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { AnyObject, Condition } from '../../api/index.ts';
import { StowageError } from '../../errors.ts';
import { openStore, type CliContext } from '../context.ts';
import { age } from '../table.ts';
import { resolveKind } from './get.ts';

function indent(text: string, n = 2): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}

function conditionsTable(conditions: Condition[]): string {
  const rows = conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']);
  const w = [4, 6, 6].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `${r[0]!.padEnd(w[0]! + 2)}${r[1]!.padEnd(w[1]! + 2)}${r[2]!.padEnd(w[2]! + 2)}${r[3]}`;
  return [fmt(['Type', 'Status', 'Reason', 'Message']), ...rows.map(fmt)].join('\n');
}

export function registerDescribe(program: Command, ctx: CliContext): void {
  program
    .command('describe')
    .description('Show an object with its conditions, per-host results and events')
    .argument('<kind>')
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace', ctx.defaultNamespace)
    .action(async (kindArg: string, name: string, o: { namespace: string }) => {
      const kind = resolveKind(kindArg);
      const store = openStore(ctx);
      const obj = (await store.get(kind, o.namespace, name)) as AnyObject | undefined;
      if (!obj)
        throw new StowageError('NOT_FOUND', `${kind} "${name}" not found in namespace "${o.namespace}"`);
      const status = (obj as { status?: Record<string, unknown> }).status;
      const lines = [
        `Name:         ${obj.metadata.name}`,
        ...(obj.metadata.namespace ? [`Namespace:    ${obj.metadata.namespace}`] : []),
        `Kind:         ${obj.kind} (${obj.apiVersion})`,
        `Created:      ${obj.metadata.creationTimestamp ?? ''} (${age(obj.metadata.creationTimestamp, new Date())} ago)`,
        ...(obj.metadata.labels ? ['Labels:', indent(stringify(obj.metadata.labels))] : []),
      ];
      if (obj.kind === 'Secret')
        lines.push(
          'Data:',
          ...Object.keys({ ...obj.data, ...obj.stringData }).map((k) => `  ${k}: <hidden>`),
        );
      else if ('spec' in obj) lines.push('Spec:', indent(stringify(obj.spec)));
      if (status) {
        const { conditions, ...rest } = status as { conditions?: Condition[] };
        if (Object.keys(rest).length) lines.push('Status:', indent(stringify(rest)));
        if (conditions?.length) lines.push('Conditions:', indent(conditionsTable(conditions)));
      }
      const events = await store.listEvents({
        kind: obj.kind,
        namespace: obj.metadata.namespace ?? '',
        name,
      });
      lines.push('Events:');
      if (events.length === 0) lines.push('  <none>');
      for (const e of events)
        lines.push(
          `  ${e.type.padEnd(8)} ${e.reason.padEnd(24)} ${age(e.time, new Date()).padEnd(6)} ${e.source}: ${e.message}`,
        );
      ctx.out(lines.join('\n'));
    });
}
