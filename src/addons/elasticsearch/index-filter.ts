/**
 * Which indices a dump or a load takes. Three rules, all of which must pass:
 * - `--match=<regex>`: multielasticdump's filter, which KubeDB puts into AppBinding params (e.g.
 *   `^(?![.])(?!kubedb-system).+`): case-insensitive, on the index name or any of its aliases;
 * - `--include=<pattern,…>` / `--exclude=<pattern,…>`: Elasticsearch-style `*` wildcards on the name;
 * - system and hidden indices (a leading `.`, or `index.hidden: true`) are left out unless
 *   `--include-hidden` is given or an include pattern itself starts with `.`.
 */
import { ValidationError } from '../../errors.ts';

export interface IndexFilter {
  match: RegExp | undefined;
  include: string[];
  exclude: string[];
  includeHidden: boolean;
}

export interface IndexCandidate {
  name: string;
  aliases: readonly string[];
  hidden: boolean;
}

export function buildIndexFilter(
  o: {
    match?: string | undefined;
    include?: string | undefined;
    exclude?: string | undefined;
    includeHidden?: boolean;
  },
  subject = 'elasticsearch args',
): IndexFilter {
  let match: RegExp | undefined;
  if (o.match !== undefined && o.match !== '') {
    try {
      match = new RegExp(o.match, 'i');
    } catch (e) {
      throw new ValidationError(subject, [
        { path: '--match', message: `must be a regular expression: ${(e as Error).message}` },
      ]);
    }
  }
  return {
    match,
    include: splitPatterns(o.include),
    exclude: splitPatterns(o.exclude),
    includeHidden: o.includeHidden ?? false,
  };
}

export function selectIndices<T extends IndexCandidate>(candidates: readonly T[], filter: IndexFilter): T[] {
  return candidates
    .filter((c) => isSelected(c, filter))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function isSelected(c: IndexCandidate, filter: IndexFilter): boolean {
  const hidden = c.hidden || c.name.startsWith('.');
  const explicitlyIncluded = filter.include.some((p) => p.startsWith('.') && wildcard(p).test(c.name));
  if (hidden && !filter.includeHidden && !explicitlyIncluded) return false;
  if (filter.include.length > 0 && !filter.include.some((p) => wildcard(p).test(c.name))) return false;
  if (filter.exclude.some((p) => wildcard(p).test(c.name))) return false;
  if (filter.match) {
    const re = filter.match;
    if (!re.test(c.name) && !c.aliases.some((a) => re.test(a))) return false;
  }
  return true;
}

function splitPatterns(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const wildcards = new Map<string, RegExp>();

/** `logs-*` → /^logs-.*$/ (only `*` is special, as in index patterns). */
export function wildcard(pattern: string): RegExp {
  let re = wildcards.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`);
    wildcards.set(pattern, re);
  }
  return re;
}
