/**
 * The hand-over between the backup/restore step and `update-status` (stash-spec §8): a JSON file
 * `<outputDir>/output.json` holding `{"targetStatus": {ref, stats: [host stats]}}`, written on
 * success and on failure alike, so the last step can always report what happened.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostBackupStats, HostRestoreStats, TargetRef } from '../api/index.ts';

export interface StepOutput {
  targetStatus: {
    ref: TargetRef;
    stats: Array<HostBackupStats | HostRestoreStats>;
  };
}

/** Where a step's output lives in `dir`. */
export function outputFile(dir: string): string {
  return join(dir, 'output.json');
}

export async function writeOutput(dir: string, output: StepOutput): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = outputFile(dir);
  await writeFile(`${file}.tmp`, JSON.stringify(output, null, 2), { mode: 0o644 });
  await rename(`${file}.tmp`, file);
  return file;
}

export async function readOutput(dir: string): Promise<StepOutput | undefined> {
  try {
    return JSON.parse(await readFile(outputFile(dir), 'utf8')) as StepOutput;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
