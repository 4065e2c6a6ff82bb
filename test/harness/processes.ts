/**
 * The processes of this machine as /proc shows them (Linux), for tests that must find, freeze or
 * kill what a job started, and check that nothing was left behind. Processes are only ever
 * signalled by pid.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot when the process started (to tell a reused pid apart). */
  startTime: number;
  argv: string[];
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every process visible in /proc. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        startTime: Number(fields[19]),
        argv,
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `pid` and everything below it (by parent pid), parents first. */
export function processTree(pid: number, all: ProcInfo[] = listProcesses()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const root = all.find((p) => p.pid === pid);
  const out: ProcInfo[] = root ? [root] : [];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]!.pid) ?? []));
  return out;
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped by its parent, is not). */
export function isAlive(pid: number): boolean {
  try {
    const state = statFields(pid)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A restic process, by its argv (`…/restic … <subcommand> …`). */
export function isRestic(p: ProcInfo, subcommand?: string): boolean {
  const exe = p.argv[0] ?? '';
  return (exe === 'restic' || exe.endsWith('/restic')) && (!subcommand || p.argv.includes(subcommand));
}

/** Sends `signal` to each process (SIGSTOP freezes it, SIGCONT lets it go on); gone ones are skipped. */
export function signalEach(processes: readonly ProcInfo[], signal: NodeJS.Signals): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // already gone
    }
  }
}
