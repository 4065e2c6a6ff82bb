/**
 * The dump's options, from the Task's `args` param (whitespace-split). Two vocabularies:
 * - ours: `--match=<regex>`, `--include=<patterns>`, `--exclude=<patterns>`, `--include-hidden`,
 *   `--slices=<n>` (slices read at once), `--batch-size=<n>` (documents per search page);
 * - multielasticdump's, which Stash users already have in their Tasks: `--match` (the same),
 *   `--parallel=<n>` (→ slices), `--limit=<n>` (→ batch size), `--ignoreType=`/`--includeType=`
 *   and `--ignore<Type>=true|false` (what gets written: data, mapping, analyzer, alias, settings,
 *   template). Its other flags mean nothing here (scroll times, transforms, S3, TLS files: the
 *   connection comes from the AppBinding) and are ignored with a warning that names them.
 * A malformed value is a ValidationError naming the flag and what it expects.
 */
import { ValidationError, type FieldIssue } from '../../errors.ts';
import { buildIndexFilter, type IndexFilter } from './index-filter.ts';

/** What a dump can write; multielasticdump's `--includeType` vocabulary. */
const DUMP_PARTS = ['data', 'mapping', 'analyzer', 'alias', 'settings', 'template'] as const;
export type DumpPart = (typeof DUMP_PARTS)[number];

/**
 * Written unless excluded. Unlike multielasticdump (which leaves aliases out unless asked), aliases
 * are part of an index here; `analyzer` is a copy of the settings that only the folder layout
 * writes, for multielasticdump, when asked.
 */
export const DEFAULT_PARTS: readonly DumpPart[] = ['data', 'mapping', 'alias', 'settings', 'template'];

/** search_after and scroll pages are capped by index.max_result_window (10 000 by default). */
const MAX_BATCH_SIZE = 10_000;
const MAX_SLICES = 256;

export interface DumpOptions {
  filter: IndexFilter;
  /** Slices read at once; undefined: the default for the cluster (./slice-plan.ts). */
  slices: number | undefined;
  /** Documents per page; undefined: the default. */
  batchSize: number | undefined;
  parts: ReadonlySet<DumpPart>;
  /** One line per ignored flag, for stderr. */
  warnings: string[];
}

const SUBJECT = 'elasticsearch dump args';

type Kind = 'string' | 'boolean' | 'count';

/** Our flags and multielasticdump's that mean something here. */
const FLAGS: Record<string, Kind> = {
  match: 'string',
  include: 'string',
  exclude: 'string',
  'include-hidden': 'boolean',
  slices: 'count',
  'batch-size': 'count',
  parallel: 'count',
  limit: 'count',
  ignoreType: 'string',
  includeType: 'string',
  ignoreData: 'boolean',
  ignoreMapping: 'boolean',
  ignoreAnalyzer: 'boolean',
  ignoreAlias: 'boolean',
  ignoreSettings: 'boolean',
  ignoreTemplate: 'boolean',
};

/** multielasticdump flags that have no meaning for Stowage, with the reason given in the warning. */
const IGNORED: Record<string, string> = {
  debug: 'logging is always on',
  quiet: 'logging is always on',
  order: 'indices are read in parallel',
  input: 'the cluster comes from the AppBinding',
  output: 'the output is chosen by the backup',
  direction: 'this program only dumps',
  scrollId: 'Stowage reads a point in time (or its own scroll)',
  scrollTime: 'Stowage reads a point in time (or its own scroll)',
  'scroll-with-post': 'Stowage reads a point in time (or its own scroll)',
  timeout: 'requests have their own timeouts',
  offset: 'every document is dumped',
  size: 'every document is dumped',
  searchBody: 'every document is dumped',
  searchWithTemplate: 'every document is dumped',
  'support-big-int': 'documents are copied byte for byte, big integers keep their digits',
  'big-int-fields': 'documents are copied byte for byte, big integers keep their digits',
  ignoreChildError: 'there are no child processes; any failure fails the dump',
  interval: 'there are no child processes',
  delete: 'only a load deletes indices',
  prefix: 'index names are kept',
  suffix: 'index names are kept',
  transform: 'documents are not transformed',
  headers: 'the connection comes from the AppBinding',
  cert: 'TLS comes from the AppBinding',
  key: 'TLS comes from the AppBinding',
  pass: 'TLS comes from the AppBinding',
  ca: 'TLS comes from the AppBinding',
  tlsAuth: 'TLS comes from the AppBinding',
  httpAuthFile: 'credentials come from the AppBinding',
  concurrency: 'use --slices (or --parallel)',
  carryoverConcurrencyCount: 'use --slices (or --parallel)',
  intervalCap: 'use --slices (or --parallel)',
  concurrencyInterval: 'use --slices (or --parallel)',
  overwrite: 'the output folder is always new',
  fsCompress: 'files are written uncompressed (restic compresses)',
};
const IGNORED_PREFIXES = ['input-', 'output-', 'aws', 's3'];

/** The flags as read: every value of a string flag, the last of a count or a boolean. */
interface ReadFlags {
  strings: Map<string, string[]>;
  counts: Map<string, number>;
  booleans: Map<string, boolean>;
  issues: FieldIssue[];
  warnings: string[];
}

export function parseDumpArgs(args: readonly string[]): DumpOptions {
  const flags = readFlags(args);
  const parts = resolveParts(flags.strings, flags.booleans, flags.issues);
  const filter = dumpFilter(flags);
  const { counts, warnings } = flags;
  warnShadowed(flags, 'slices', 'parallel');
  warnShadowed(flags, 'batch-size', 'limit');
  if (flags.issues.length > 0 || !filter) throw new ValidationError(SUBJECT, flags.issues);
  return {
    filter,
    slices: counts.get('slices') ?? counts.get('parallel'),
    batchSize: counts.get('batch-size') ?? counts.get('limit'),
    parts,
    warnings,
  };
}

function readFlags(args: readonly string[]): ReadFlags {
  const flags: ReadFlags = {
    strings: new Map(),
    counts: new Map(),
    booleans: new Map(),
    issues: [],
    warnings: [],
  };
  for (let i = 0; i < args.length; i++) i = readFlag(args, i, flags);
  return flags;
}

/** Reads the flag at `args[i]`; returns the index of the last argument it took (its value's). */
function readFlag(args: readonly string[], i: number, flags: ReadFlags): number {
  const arg = args[i]!;
  if (arg === '') return i;
  if (!arg.startsWith('--') || arg === '--') {
    flags.warnings.push(`ignoring argument "${arg}": only --flag=value options are understood`);
    return i;
  }
  const eq = arg.indexOf('=');
  const name = arg.slice(2, eq < 0 ? undefined : eq);
  const value = eq < 0 ? undefined : arg.slice(eq + 1);
  const kind = FLAGS[name];
  const next = args[i + 1];
  const nextIsValue = value === undefined && next !== undefined && !next.startsWith('--');
  if (!kind) {
    flags.warnings.push(ignoredWarning(name));
    // `--flag value`: skip the value too, so it is not taken for an argument of its own.
    return nextIsValue ? i + 1 : i;
  }
  if (value !== undefined || kind === 'boolean') {
    storeFlag(flags, name, kind, value);
    return i;
  }
  if (!nextIsValue) {
    flags.issues.push({
      path: `--${name}`,
      message: `needs a value (--${name}=<${kind === 'count' ? 'n' : 'value'}>)`,
    });
    return i;
  }
  storeFlag(flags, name, kind, next);
  return i + 1;
}

function ignoredWarning(name: string): string {
  const reason =
    IGNORED[name] ??
    (IGNORED_PREFIXES.some((p) => name.startsWith(p))
      ? 'the connection comes from the AppBinding'
      : undefined);
  return reason
    ? `ignoring multielasticdump option --${name}: ${reason}`
    : `ignoring unknown option --${name}`;
}

/** `value` is undefined only for a boolean given without one (`--include-hidden`). */
function storeFlag(flags: ReadFlags, name: string, kind: Kind, value: string | undefined): void {
  const flag = `--${name}`;
  if (kind === 'string') {
    flags.strings.set(name, [...(flags.strings.get(name) ?? []), unquote(value!)]);
  } else if (kind === 'count') {
    const n = /^\d+$/.test(value!.trim()) ? Number(value!.trim()) : Number.NaN;
    const max = name === 'batch-size' || name === 'limit' ? MAX_BATCH_SIZE : MAX_SLICES;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      flags.issues.push({ path: flag, message: `must be a whole number from 1 to ${max}, got "${value!}"` });
    } else {
      flags.counts.set(name, n);
    }
  } else {
    const v = value === undefined ? 'true' : value.trim().toLowerCase();
    if (v !== 'true' && v !== 'false') {
      flags.issues.push({ path: flag, message: `must be true or false, got "${value!}"` });
    } else {
      flags.booleans.set(name, v === 'true');
    }
  }
}

/** The index filter, or undefined with its issues added to the flags'. */
function dumpFilter(flags: ReadFlags): IndexFilter | undefined {
  try {
    return buildIndexFilter(
      {
        match: flags.strings.get('match')?.at(-1),
        include: flags.strings.get('include')?.join(','),
        exclude: flags.strings.get('exclude')?.join(','),
        includeHidden: flags.booleans.get('include-hidden') ?? false,
      },
      SUBJECT,
    );
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    flags.issues.push(...e.issues);
    return undefined;
  }
}

/** Our flag wins over multielasticdump's; a different value of theirs is a warning. */
function warnShadowed(flags: ReadFlags, ours: string, theirs: string): void {
  const { counts } = flags;
  if (counts.has(ours) && counts.has(theirs) && counts.get(ours) !== counts.get(theirs)) {
    flags.warnings.push(`--${theirs}=${counts.get(theirs)} ignored: --${ours}=${counts.get(ours)} is given`);
  }
}

/** multielasticdump's rules: `--includeType` lists what is written; otherwise defaults minus ignores. */
function resolveParts(
  strings: Map<string, string[]>,
  booleans: Map<string, boolean>,
  issues: FieldIssue[],
): Set<DumpPart> {
  const list = (flag: string): DumpPart[] | undefined => {
    const values = strings.get(flag);
    if (!values) return undefined;
    const names = values
      .flatMap((v) => v.split(','))
      .map((s) => unquote(s.trim()))
      .filter((s) => s !== '');
    const bad = names.filter((n) => !(DUMP_PARTS as readonly string[]).includes(n));
    if (bad.length > 0) {
      issues.push({
        path: `--${flag}`,
        message: `unknown type${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ')}; expected a comma-separated list of ${DUMP_PARTS.join(', ')}`,
      });
    }
    return names.filter((n): n is DumpPart => (DUMP_PARTS as readonly string[]).includes(n));
  };
  const included = list('includeType');
  const ignored = list('ignoreType') ?? [];
  const parts = new Set<DumpPart>(included ?? DEFAULT_PARTS);
  for (const p of ignored) parts.delete(p);
  if (!included) {
    for (const part of DUMP_PARTS) {
      const flag = `ignore${part[0]!.toUpperCase()}${part.slice(1)}`;
      const v = booleans.get(flag);
      if (v === true) parts.delete(part);
      else if (v === false) parts.add(part);
    }
  }
  return parts;
}

/** `'x'` → `x`: quotes a shell would have removed, kept by a whitespace split of the Task's args. */
function unquote(value: string): string {
  const q = value[0];
  return value.length >= 2 && (q === "'" || q === '"') && value.endsWith(q) ? value.slice(1, -1) : value;
}
