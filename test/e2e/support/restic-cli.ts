/**
 * restic run directly (not through Stowage) against a repository a test backed up into, to judge
 * the outcome independently: `check --read-data`, the snapshot list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../harness/command.ts';
import { resticBinary } from '../../harness/restic.ts';

export interface ResticTarget {
  repository: string;
  env: Record<string, string>;
}

export async function restic(target: ResticTarget, args: string[]): Promise<CommandResult> {
  const cache = mkdtempSync(join(tmpdir(), 'stowage-e2e-restic-cache-'));
  try {
    return await runCommand(await resticBinary(), ['--cache-dir', cache, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        RESTIC_REPOSITORY: target.repository,
        ...target.env,
      },
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

export interface SnapshotInfo {
  id: string;
  short_id: string;
  time: string;
  hostname: string;
  paths: string[];
  summary?: {
    total_bytes_processed: number;
    data_added: number;
    data_added_packed: number;
    total_files_processed: number;
  };
}

/** `3.408 MiB` → bytes (the human sizes Stash writes into statuses). */
export function parseHumanBytes(s: string): number {
  const m = /^([\d.]+) (B|KiB|MiB|GiB|TiB)$/.exec(s);
  if (!m) throw new Error(`not a human size: "${s}"`);
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 }[m[2] as 'B'];
  return Number(m[1]) * unit;
}

export async function snapshots(target: ResticTarget): Promise<SnapshotInfo[]> {
  const r = await restic(target, ['snapshots', '--json', '--no-lock']);
  if (r.code !== 0) throw new Error(`restic snapshots failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as SnapshotInfo[];
}

/** `restic check --read-data`: every pack read back and verified (takes the exclusive lock). */
export async function checkReadData(target: ResticTarget): Promise<{ ok: boolean; output: string }> {
  const r = await restic(target, ['check', '--read-data']);
  return { ok: r.code === 0, output: `${r.stdout}\n${r.stderr}` };
}

/** Locks in the repository (a crashed restic leaves one; a live orphan keeps one fresh). */
export async function locks(target: ResticTarget): Promise<string[]> {
  const r = await restic(target, ['list', 'locks', '--no-lock']);
  if (r.code !== 0) throw new Error(`restic list locks failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}
