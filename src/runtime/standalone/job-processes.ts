/**
 * The processes of a standalone Job, found the way a container boundary would hold them: every
 * process whose argv or environment mentions the Job's work folder (steps get their scratch and
 * output paths there; restic gets its TMPDIR and cache there, and passes that environment on to the
 * dump tool it runs). restic runs in its own process group, and a killed step's children are
 * re-parented, so neither the process group nor the parent chain finds them all; the work folder does.
 * Linux only (/proc); elsewhere nothing is found and nothing is stopped.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface JobProcess {
  pid: number;
  ppid: number;
}

function mentions(file: string, workdir: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false; // gone, or not ours to read
  }
  return text
    .split('\0')
    .some((s) => s.endsWith(workdir) || s.includes(`${workdir}/`) || s.includes(`${workdir}:`));
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Live processes working in `workdir` (never this process; a zombie has no argv, so never one). */
export function jobProcesses(workdir: string): JobProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: JobProcess[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    if (!mentions(`/proc/${e}/cmdline`, workdir) && !mentions(`/proc/${e}/environ`, workdir)) continue;
    const ppid = parentOf(Number(e));
    if (ppid !== undefined) out.push({ pid: Number(e), ppid });
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops what is left of a Job, innermost first: SIGTERM to the processes none of whose children
 * are left, then to their parents once those children are gone. So restic is stopped while the
 * step that started it still runs: restic removes its repository lock and its parent reaps it
 * (stopped all at once, restic can die of SIGPIPE before cleaning up, and as an orphan it waits
 * for init to reap it — a not-yet-reaped pid still looks alive to restic's stale-lock check).
 * Whatever is left after `graceMs` gets SIGKILL. Resolves with the pids signalled.
 */
export async function stopJobProcesses(workdir: string, graceMs = 10_000): Promise<number[]> {
  const signalled = new Set<number>();
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = jobProcesses(workdir);
    if (left.length === 0) return [...signalled];
    if (Date.now() >= deadline) {
      for (const p of left) signal(p.pid, 'SIGKILL');
      return [...signalled];
    }
    for (const p of left) {
      const innermost = !left.some((c) => c.ppid === p.pid);
      if (innermost && !signalled.has(p.pid)) {
        signalled.add(p.pid);
        signal(p.pid, 'SIGTERM');
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
