/**
 * restic is a Go program and does not know the container's memory limit: its garbage collector
 * lets the heap grow to twice the live data, so a Job with a tight limit can be OOM-killed while
 * restic holds garbage. When the step runs under a cgroup memory limit, restic gets a GOMEMLIMIT
 * (a soft heap target that makes the collector run earlier) of that limit minus what the rest of
 * the step needs (the Stowage process and the dump tool). Without a limit nothing is set: a soft
 * target below a large repository's index would only burn CPU.
 */
import { readFileSync } from 'node:fs';

const MiB = 1024 * 1024;
/** The Stowage step process (~80 MiB) and a dump tool (~20–40 MiB) share the limit with restic. */
const RESERVED_FOR_OTHERS = 160 * MiB;
/** Below this restic cannot work at all; a lower target would only thrash the collector. */
const MIN_RESTIC_TARGET = 64 * MiB;

/** cgroup v2 memory.max, else v1 memory.limit_in_bytes; undefined when unlimited or unknown. */
export function cgroupMemoryLimit(
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): number | undefined {
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = read(path).trim();
    } catch {
      continue;
    }
    if (text === 'max') return undefined;
    const bytes = Number(text);
    // cgroup v1 reports "unlimited" as a huge page-aligned number (~2^63).
    if (Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60) return bytes;
    return undefined;
  }
  return undefined;
}

/** The GOMEMLIMIT value for restic under `limitBytes`, or undefined for no limit. */
export function resticMemoryTarget(limitBytes: number | undefined): string | undefined {
  if (limitBytes === undefined) return undefined;
  const target = Math.max(MIN_RESTIC_TARGET, limitBytes - RESERVED_FOR_OTHERS);
  return `${Math.floor(target / MiB)}MiB`;
}
