/**
 * The restore's user arguments (the Task's `args` param, whitespace-split). Ours:
 * `--match --include --exclude --include-hidden` (./index-filter.ts: restore a subset),
 * `--delete-existing`, `--concurrency=<n>`, `--bulk-bytes=<n>`, `--retry-timeout=<s>`,
 * `--health-timeout=<s>`. multielasticdump's, accepted so a Stash Task keeps working: `--match`,
 * `--parallel` (= concurrency), `--limit` (documents per bulk), `--delete=true` (= delete-existing),
 * `--ignoreType=`/`--includeType=` (which parts to restore). Any other flag is ignored with a
 * warning naming it; a malformed value is a ValidationError naming the flag and what it expects.
 * Values may follow the flag after `=` or as the next argument, as minimist (multielasticdump's
 * parser) allows.
 */
import { ValidationError, type FieldIssue } from '../../errors.ts';
import { buildIndexFilter, type IndexFilter } from './index-filter.ts';

/** What a restore puts back; multielasticdump's `--ignoreType`/`--includeType` names. */
export interface RestoreParts {
  data: boolean;
  mapping: boolean;
  settings: boolean;
  /** The `<idx>.analyzer.json` file of the folder layout (analysis settings travel in settings too). */
  analyzer: boolean;
  alias: boolean;
  template: boolean;
}

const PART_NAMES = ['data', 'mapping', 'settings', 'analyzer', 'alias', 'template'] as const;
type PartName = (typeof PART_NAMES)[number];
/** Types multielasticdump knows but a restore has nothing for (ILM policies are not dumped). */
const IGNORED_PART_NAMES = new Set(['policy', 'component_template', 'index_template']);

export interface LoadOptions {
  filter: IndexFilter;
  /** Delete an index that already exists instead of refusing (`--delete-existing`, `--delete=true`). */
  deleteExisting: boolean;
  /** Bulk requests in flight at once. */
  concurrency: number;
  /** A bulk request is sent once its body reaches this many bytes. */
  bulkBytes: number;
  /** …or this many documents (`--limit`), when set. */
  bulkDocs: number | undefined;
  parts: RestoreParts;
  /** How long rejected (429) documents are retried before the load gives up. */
  retryTimeoutMs: number;
  /** `wait_for_status=yellow` timeout after the load. */
  healthTimeoutSeconds: number;
}

/**
 * Measured on 2 cores, loading 200k documents (100 MB) into OpenSearch 2.19 through the TLS proxy
 * (docs/search-engines.md, "Restore throughput"): 8 bulks of 4 MB in flight loaded ~25k docs/s
 * with a 245 MB RSS; 4 in flight ~22k; 2 MB bulks as fast with less memory, 8–16 MB bulks no
 * faster with more. The cluster sets the pace, so the default grows with the client's cores only
 * up to 16 requests (a small cluster answers more with 429s, which are retried).
 */
export const DEFAULT_BULK_BYTES = 4 * 1024 * 1024;
export function defaultConcurrency(cores: number): number {
  return Math.max(4, Math.min(16, 4 * cores));
}
const DEFAULT_RETRY_TIMEOUT_SECONDS = 300;
const DEFAULT_HEALTH_TIMEOUT_SECONDS = 120;

const SUBJECT = 'elasticsearch restore args';

type FlagKind = 'string' | 'boolean';
const FLAGS: Record<string, FlagKind> = {
  match: 'string',
  include: 'string',
  exclude: 'string',
  'include-hidden': 'boolean',
  'delete-existing': 'boolean',
  delete: 'boolean',
  concurrency: 'string',
  parallel: 'string',
  'bulk-bytes': 'string',
  limit: 'string',
  ignoreType: 'string',
  includeType: 'string',
  'retry-timeout': 'string',
  'health-timeout': 'string',
};

export function parseLoadOptions(
  args: readonly string[],
  env: { cores: number; warn: (message: string) => void },
): LoadOptions {
  const values = readFlags(args, env.warn);
  const issues: FieldIssue[] = [];
  const read = valueReaders(values, issues);
  const concurrencyFlag = values.has('concurrency') ? 'concurrency' : 'parallel';
  // Read in this order, the order their issues are listed in.
  const concurrency = read.positive(concurrencyFlag, 256) ?? defaultConcurrency(env.cores);
  const bulkBytes = parseBytes(values.get('bulk-bytes'), issues) ?? DEFAULT_BULK_BYTES;
  const bulkDocs = read.positive('limit', 1_000_000);
  const retryTimeout = read.positive('retry-timeout', 86_400) ?? DEFAULT_RETRY_TIMEOUT_SECONDS;
  const healthTimeout = read.positive('health-timeout', 86_400) ?? DEFAULT_HEALTH_TIMEOUT_SECONDS;
  const deleteExisting = read.bool('delete-existing') || read.bool('delete');
  const parts = parseParts(values.get('includeType'), values.get('ignoreType'), issues);
  const filter = loadFilter(values, read.bool('include-hidden'), issues);
  if (issues.length > 0 || !filter) throw new ValidationError(SUBJECT, issues);
  return {
    filter,
    deleteExisting,
    concurrency,
    bulkBytes,
    bulkDocs,
    parts,
    retryTimeoutMs: retryTimeout * 1000,
    healthTimeoutSeconds: healthTimeout,
  };
}

/** Flag → value as given (`--flag=v`, `--flag v`; a bare flag is `true` or ''); others are warned about. */
function readFlags(args: readonly string[], warn: (message: string) => void): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '') continue;
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      warn(`ignoring argument "${arg}": the restore takes only --flags`);
      continue;
    }
    const name = m[1]!;
    const kind = FLAGS[name];
    const next = args[i + 1];
    if (kind === undefined) {
      warn(`ignoring flag --${name}: the Stowage restore does not use it`);
      // A value given as the next argument belongs to the ignored flag.
      if (m[2] === undefined && next !== undefined && !next.startsWith('-')) i++;
      continue;
    }
    const fromNext = m[2] === undefined && takesNext(kind, next);
    values.set(name, m[2] ?? (fromNext ? next! : kind === 'boolean' ? 'true' : ''));
    if (fromNext) i++;
  }
  return values;
}

/** Whether the argument after a flag without `=` is its value. */
function takesNext(kind: FlagKind, next: string | undefined): boolean {
  if (next === undefined) return false;
  return kind === 'string' ? !next.startsWith('--') : next === 'true' || next === 'false';
}

/** Typed reads of the flag values; a malformed one adds an issue and reads as unset. */
function valueReaders(values: ReadonlyMap<string, string>, issues: FieldIssue[]) {
  return {
    bool(name: string): boolean {
      const v = values.get(name);
      if (v === undefined) return false;
      if (v === 'true' || v === '') return true;
      if (v === 'false') return false;
      issues.push({ path: `--${name}`, message: `must be true or false, got "${v}"` });
      return false;
    },
    positive(name: string, max: number): number | undefined {
      const v = values.get(name);
      if (v === undefined) return undefined;
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < 1 || n > max) {
        issues.push({ path: `--${name}`, message: `must be a whole number from 1 to ${max}, got "${v}"` });
        return undefined;
      }
      return n;
    },
  };
}

function loadFilter(
  values: ReadonlyMap<string, string>,
  includeHidden: boolean,
  issues: FieldIssue[],
): IndexFilter | undefined {
  try {
    return buildIndexFilter(
      {
        match: values.get('match'),
        include: values.get('include'),
        exclude: values.get('exclude'),
        includeHidden,
      },
      SUBJECT,
    );
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues);
    return undefined;
  }
}

/** `8388608`, `512k`, `8m`, `8MB`, `1g` (binary multiples). */
function parseBytes(v: string | undefined, issues: FieldIssue[]): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(v.trim());
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m?.[2] ?? '').toLowerCase()] ?? 1;
  const n = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1024 || n > 1024 ** 3) {
    issues.push({
      path: '--bulk-bytes',
      message: `must be a size from 1k to 1g (bytes, or with a k/m/g suffix), got "${v}"`,
    });
    return undefined;
  }
  return n;
}

/**
 * multielasticdump's rule: `--includeType` lists the parts to restore (all others are ignored);
 * otherwise `--ignoreType` lists the parts to leave out. Unlike multielasticdump, aliases and the
 * analyzer file are restored by default: a restore should bring back what the backup holds.
 */
function parseParts(
  include: string | undefined,
  ignore: string | undefined,
  issues: FieldIssue[],
): RestoreParts {
  const parts: RestoreParts = {
    data: true,
    mapping: true,
    settings: true,
    analyzer: true,
    alias: true,
    template: true,
  };
  const list = (flag: string, v: string | undefined): PartName[] | undefined => {
    if (v === undefined) return undefined;
    const names = v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const known: PartName[] = [];
    for (const n of names) {
      if ((PART_NAMES as readonly string[]).includes(n)) known.push(n as PartName);
      else if (!IGNORED_PART_NAMES.has(n)) {
        issues.push({ path: `--${flag}`, message: `"${n}" is not one of ${PART_NAMES.join(', ')}` });
      }
    }
    return known;
  };
  const included = list('includeType', include);
  const ignored = list('ignoreType', ignore);
  if (included) {
    for (const p of PART_NAMES) parts[p] = included.includes(p);
  } else if (ignored) {
    for (const p of ignored) parts[p] = false;
  }
  return parts;
}
