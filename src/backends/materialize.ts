/**
 * The side-effecting half: writes a plan's secret files into a private directory (0700, files
 * 0600) and returns the ResticConnection that points at them. `dispose` removes the directory.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResticConnection } from '../engine/types.ts';
import type { ConnectionPlan } from './types.ts';

export interface MaterializedConnection {
  connection: ResticConnection;
  /** The private directory holding the secret files. */
  secretsDir: string;
  dispose(): Promise<void>;
}

export async function materializeConnection(
  plan: ConnectionPlan,
  options: { parentDir?: string } = {},
): Promise<MaterializedConnection> {
  const secretsDir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'stowage-secrets-'));
  await chmod(secretsDir, 0o700);
  const env = { ...plan.env };
  const globalArgs = [...plan.globalArgs];
  try {
    for (const file of plan.files) {
      const path = join(secretsDir, file.name);
      await writeFile(path, file.content, { mode: 0o600, flag: 'wx' });
      if (file.env !== undefined) env[file.env] = path;
      if (file.flag !== undefined) globalArgs.push(file.flag, path);
    }
    // Stash creates the local repository directory before `restic init`.
    if (plan.localDirectory !== undefined) await mkdir(plan.localDirectory, { recursive: true });
  } catch (e) {
    await rm(secretsDir, { recursive: true, force: true });
    throw e;
  }
  return {
    connection: { repository: plan.repository, env, globalArgs },
    secretsDir,
    dispose: () => rm(secretsDir, { recursive: true, force: true }),
  };
}
