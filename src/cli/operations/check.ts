/** `restic check` of a Repository: structure always, pack data on request (all or a subset). */
import { StowageError } from '../../errors.ts';
import { withRepository, type RepositoryAccess, type RepositoryRef } from './open-repository.ts';

export interface CheckOptions {
  readData?: boolean;
  /** restic's `--read-data-subset`: `n/t`, `x%` or a size such as `500M`. */
  readDataSubset?: string;
}

export interface CheckResult {
  ok: boolean;
  message: string;
}

const SUBSET = /^(?:[1-9]\d*\/[1-9]\d*|\d+(?:\.\d+)?%|\d+[kKmMgGtT]?)$/;

export function validateCheckOptions(o: CheckOptions): void {
  if (o.readData && o.readDataSubset !== undefined)
    throw new StowageError('USAGE', '--read-data and --read-data-subset exclude each other; pick one');
  const s = o.readDataSubset;
  if (s === undefined) return;
  const bad = (why: string) =>
    new StowageError(
      'USAGE',
      `--read-data-subset "${s}" is invalid: ${why}; expected n/t (e.g. 1/5), a percentage (e.g. 10%) or a size (e.g. 500M)`,
    );
  if (!SUBSET.test(s)) throw bad('unknown form');
  const part = /^(\d+)\/(\d+)$/.exec(s);
  if (part && Number(part[1]) > Number(part[2])) throw bad('n must not exceed t');
  const pct = /^(.*)%$/.exec(s);
  if (pct && (Number(pct[1]) <= 0 || Number(pct[1]) > 100)) throw bad('the percentage must be in (0, 100]');
}

export async function checkRepository(
  access: RepositoryAccess,
  ref: RepositoryRef,
  o: CheckOptions = {},
): Promise<CheckResult> {
  validateCheckOptions(o);
  // The engine's check knows --read-data only; restic also takes check's flags before the verb,
  // so the subset travels as an extra argument of this one connection.
  const extra = o.readDataSubset === undefined ? [] : [`--read-data-subset=${o.readDataSubset}`];
  return withRepository(access, ref, ({ restic }) => restic.check({ readData: o.readData ?? false }), {
    extraResticArgs: extra,
  });
}
