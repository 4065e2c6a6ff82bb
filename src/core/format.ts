/**
 * Text formats Stash writes into statuses and metrics read back: human byte sizes, Go
 * time.Duration strings, restic's processing time, and the session duration (stash-spec §1.5, §2.4, §8).
 */
import { StowageError } from '../errors.ts';

const UNITS = [
  ['TiB', 1024n ** 4n],
  ['GiB', 1024n ** 3n],
  ['MiB', 1024n ** 2n],
  ['KiB', 1024n],
] as const;

/** `%.3f` of n/d with Go's correct rounding (exact halves go to even). */
function fixed3(n: bigint, d: bigint): string {
  const scaled = n * 1000n;
  let q = scaled / d;
  const r2 = (scaled % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(4, '0');
  return `${s.slice(0, -3)}.${s.slice(-3)}`;
}

/** Binary units with 3 decimals (`3.408 MiB`); below 1 KiB `<n> B`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`formatBytes: ${bytes} is not a byte count`);
  const b = BigInt(Math.round(bytes));
  for (const [unit, size] of UNITS) if (b >= size) return `${fixed3(b, size)} ${unit}`;
  return `${b} B`;
}

const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** Inverse of formatBytes (approximate: 3 decimals), rounded to whole bytes. */
export function parseBytes(text: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KiB|MiB|GiB|TiB)\s*$/.exec(text);
  if (!m) throw new StowageError('INVALID_SIZE', `"${text}" is not a size such as "3.408 MiB" or "512 B"`);
  return Math.round(Number(m[1]) * (BYTE_UNITS[m[2] ?? 'B'] ?? 1));
}

// ---- Go time.Duration ---------------------------------------------------------------------------

const NANOSECOND = 1;
const MICROSECOND = 1e3;
export const MILLISECOND = 1e6;
export const SECOND = 1e9;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** The fraction v/10^prec as ".123" without trailing zeros; returns [fraction, integer part]. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    print = print || d !== 0n;
    if (print) digits = d.toString() + digits;
    v /= 10n;
  }
  return [print ? `.${digits}` : '', v];
}

/** Go `time.Duration.String()` of an integer number of nanoseconds: `1h2m3.5s`, `831.018039ms`, `0s`. */
export function formatGoDuration(nanoseconds: number | bigint): string {
  let u = typeof nanoseconds === 'bigint' ? nanoseconds : BigInt(Math.round(nanoseconds));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1_000n) [prec, unit] = [0, 'ns'];
    else if (u < 1_000_000n) [prec, unit] = [3, 'µs'];
    else [prec, unit] = [6, 'ms'];
    const [frac, int] = fmtFrac(u, prec);
    out = `${int}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    out = `${secs % 60n}${frac}s`;
    const mins = secs / 60n;
    if (mins > 0n) {
      out = `${mins % 60n}m${out}`;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

const DURATION_UNITS: Record<string, number> = {
  ns: NANOSECOND,
  us: MICROSECOND,
  µs: MICROSECOND, // U+00B5
  μs: MICROSECOND, // U+03BC
  ms: MILLISECOND,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

/** Go `time.ParseDuration` → nanoseconds. Throws StowageError INVALID_DURATION. */
export function parseGoDuration(text: string): number {
  const bad = () =>
    new StowageError('INVALID_DURATION', `"${text}" is not a duration such as "30s", "10m" or "1h30m"`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  const re = /^([0-9]*(?:\.[0-9]*)?)([^0-9.]+)/;
  while (s.length > 0) {
    const m = re.exec(s);
    const num = m?.[1] ?? '';
    if (!m || num === '' || num === '.') throw bad();
    const unitMatch = Object.keys(DURATION_UNITS)
      .filter((u) => (m[2] ?? '').startsWith(u))
      .sort((a, b) => b.length - a.length)[0];
    if (unitMatch === undefined) throw bad();
    total += Number(num) * (DURATION_UNITS[unitMatch] ?? 0);
    s = s.slice(num.length + unitMatch.length);
  }
  return sign * Math.round(total);
}

// ---- processing time and session duration --------------------------------------------------------

/** restic's processing time: whole seconds as `m:ss`, or `h:mm:ss` from one hour on. */
export function formatProcessingTime(seconds: number): string {
  let sec = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(sec / 3600);
  sec -= hours * 3600;
  const min = Math.floor(sec / 60);
  sec -= min * 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(min)}:${two(sec)}` : `${min}:${two(sec)}`;
}

/** Parses `h:m:s`, `m:s` or `s` into seconds. */
export function parseProcessingTime(text: string): number {
  const parts = text.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^[0-9]+$/.test(p))) {
    throw new StowageError(
      'INVALID_DURATION',
      `"${text}" is not a processing time such as "1:05" or "1:02:03"`,
    );
  }
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

/** Go Duration.Round(time.Second): halves round away from zero. */
function roundToSecondNs(ns: number): bigint {
  const secs = ns >= 0 ? Math.floor(ns / SECOND + 0.5) : -Math.floor(-ns / SECOND + 0.5);
  return BigInt(secs) * 1_000_000_000n;
}

/** `status.sessionDuration`: now − creationTimestamp rounded to seconds, as a Go duration (`54s`). */
export function sessionDuration(creationTimestamp: Date | string, now: Date): string {
  const created = typeof creationTimestamp === 'string' ? new Date(creationTimestamp) : creationTimestamp;
  if (Number.isNaN(created.getTime())) {
    throw new StowageError(
      'INVALID_TIMESTAMP',
      `creationTimestamp "${String(creationTimestamp)}" is not a valid time`,
    );
  }
  return formatGoDuration(roundToSecondNs((now.getTime() - created.getTime()) * MILLISECOND));
}
