/** `-o/--output` handling shared by the commands that print objects. */
import { stringify } from 'yaml';
import { StowageError } from '../errors.ts';
import type { CliContext } from './context.ts';

export type OutputFormat = 'table' | 'yaml' | 'json' | 'name';

export function parseOutput(value: string | undefined, allowed: readonly OutputFormat[]): OutputFormat {
  if (value === undefined || value === '') return 'table';
  const v = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(v) || v === 'table')
    throw new StowageError(
      'USAGE',
      `--output "${value}" is not supported here; use ${allowed
        .filter((a) => a !== 'table')
        .join(', ')} (or leave it out for a table)`,
    );
  return v as OutputFormat;
}

/**
 * One object (a named get) prints as itself; a list prints as a kubectl `List`, whatever its
 * length, so scripts see the same shape for one result and for many.
 */
export function printStructured(
  ctx: CliContext,
  format: 'yaml' | 'json',
  value: { single: unknown } | { items: unknown[] },
): void {
  const doc = 'single' in value ? value.single : { apiVersion: 'v1', kind: 'List', items: value.items };
  ctx.out(format === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc));
}
