/** Parsing of flag values that commander leaves as strings. */
import { StowageError } from '../errors.ts';

export function parseSeconds(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new StowageError('USAGE', `${flag} "${value}" is not a positive number of seconds`);
  return n;
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
