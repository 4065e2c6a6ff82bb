/**
 * Peak memory of a process tree, by polling /proc: every `intervalMs` it walks the descendants of
 * the root pid (/proc/<pid>/task/<tid>/children) and reads VmRSS and VmHWM (the kernel's own
 * per-process peak RSS) of each.
 *
 * - per process: its VmHWM, last value seen before it exited (VmHWM only grows, so a process that
 *   grows in its final few milliseconds is the only thing polling can miss);
 * - tree peak: the largest, over all samples, of Σ VmHWM of the processes alive at that sample.
 *   That is an upper bound of what the tree held at once (each process at its own peak), without
 *   adding up processes that ran one after another (the short restic calls before the backup).
 *   A Job's memory limit applies to that tree, so this is the number to size the limit against;
 *   shared pages (libc, the node binary) count once per process here, so it errs high.
 * - concurrent: the largest Σ VmRSS of one sample (what was resident at one instant).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessPeak {
  pid: number;
  /** Short name: node, restic, pg_dumpall, pg_dump, sh… */
  name: string;
  /** First argument after the program for restic (its verb), else empty. */
  detail: string;
  peakKb: number;
  /** performance.now() of the first and the last sample that saw it running this program. */
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface TreePeak {
  /** max over samples of Σ VmHWM of the live processes, in MiB. */
  treePeakMb: number;
  /** max over samples of Σ VmRSS, in MiB. */
  concurrentPeakMb: number;
  processes: ProcessPeak[];
  samples: number;
}

interface Status {
  ppid: number;
  rssKb: number;
  hwmKb: number;
}

function readStatus(pid: number): Status | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return { ppid: field('PPid'), rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

function describe(pid: number): { name: string; detail: string } {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const base = (argv[0] ?? '').split('/').pop() ?? '';
    if (base === 'restic') {
      const verb = argv.find((a) => /^(backup|init|snapshots|list|cat|unlock|check|stats|forget)$/.test(a));
      return { name: 'restic', detail: verb ?? '' };
    }
    return { name: base, detail: '' };
  } catch {
    return { name: '?', detail: '' };
  }
}

/** Starts polling the tree under `rootPid`; `stop()` takes a last sample and returns the peaks. */
export function watchTree(
  rootPid: number,
  intervalMs = 50,
  /** Wrappers to leave out of the sums (GNU time around the measured command). */
  ignore: readonly string[] = [],
): { stop(): TreePeak } {
  const peaks = new Map<number, ProcessPeak>();
  const history: ProcessPeak[] = [];
  let treePeakKb = 0;
  let concurrentKb = 0;
  let samples = 0;
  let previous = new Set<number>();

  // The tree, walked from the root through /proc/<pid>/task/<tid>/children (children hang off the
  // thread that forked them; restic forks from whichever Go thread runs the command).
  const treeOf = (): Map<number, Status> => {
    const out = new Map<number, Status>();
    const queue = [rootPid];
    while (queue.length) {
      const pid = queue.pop()!;
      const s = readStatus(pid);
      if (!s) continue;
      out.set(pid, s);
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        try {
          for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' '))
            if (c.trim()) queue.push(Number(c));
        } catch {
          // the thread ended
        }
      }
    }
    return out;
  };

  const sample = () => {
    const t = performance.now();
    const status = treeOf();
    const live = [...status.keys()];
    let hwmSum = 0;
    let rssSum = 0;
    const names = new Map<number, string>();
    for (const pid of live) {
      const s = status.get(pid)!;
      if (s.hwmKb === 0) continue; // a zombie waiting to be reaped: its memory is gone
      const now = describe(pid);
      let p = peaks.get(pid);
      if (p && (now.name === '?' || now.name === '')) now.name = p.name; // ended meanwhile
      if (!p || p.name !== now.name || p.detail !== now.detail) {
        // New, or exec()ed since the last sample (fork → restic, bin/stowage's bash → node): a
        // new program starts a new memory image, and VmHWM restarts with it.
        p = { pid, ...now, peakKb: 0, firstSeenMs: t, lastSeenMs: t };
        peaks.set(pid, p);
        history.push(p);
      }
      names.set(pid, p.name);
      p.lastSeenMs = t;
      // Between fork and exec a child is a copy of its parent (same name, the parent's pages);
      // counting it would add the parent twice for one sample.
      const forkCopy = !previous.has(pid) && names.get(s.ppid) === p.name;
      p.peakKb = Math.max(p.peakKb, s.hwmKb);
      if (forkCopy || ignore.includes(p.name)) continue;
      hwmSum += p.peakKb;
      rssSum += s.rssKb;
    }
    previous = new Set(live);
    treePeakKb = Math.max(treePeakKb, hwmSum);
    concurrentKb = Math.max(concurrentKb, rssSum);
    samples++;
  };

  const timer = setInterval(sample, intervalMs);
  sample();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return {
        treePeakMb: treePeakKb / 1024,
        concurrentPeakMb: concurrentKb / 1024,
        processes: history.filter((p) => p.peakKb > 0),
        samples,
      };
    },
  };
}

/** Seconds the (first) process called `name` with restic verb `detail` was seen running (±1 interval). */
export function lifetimeOf(tree: TreePeak, name: string, detail?: string): number | undefined {
  const p = tree.processes.find((x) => x.name === name && (detail === undefined || x.detail === detail));
  return p ? (p.lastSeenMs - p.firstSeenMs) / 1000 : undefined;
}

/** Largest peak among processes called `name` (and, if given, with that restic verb). */
export function peakOf(tree: TreePeak, name: string, detail?: string): number {
  let kb = 0;
  for (const p of tree.processes)
    if (p.name === name && (detail === undefined || p.detail === detail)) kb = Math.max(kb, p.peakKb);
  return kb / 1024;
}
