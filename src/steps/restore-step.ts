/**
 * The restore step of a Job (`stowage restore <addon>`): stream the dump out of restic straight
 * into the database's loader (no file on disk) and hand the host result to update-status through
 * output.json (./target-step.ts).
 *
 * For an addon with a folder layout the snapshot decides: a snapshot of the stream file is
 * streamed; a snapshot of a folder (an interim-volume backup, Stowage's or Stash's) is restored
 * into the interim folder — from the path the snapshot recorded, whatever path this Job has, so
 * backups taken with and without an interim volume restore alike — and loaded from there.
 */
import { join } from 'node:path';
import type { HostRestoreStats } from '../api/index.ts';
import type { FolderAddon, StreamRestorePlan } from '../addons/addon.ts';
import { runPlan } from '../engine/run-plan.ts';
import type { Restic } from '../engine/restic.ts';
import type { SnapshotInfo } from '../engine/types.ts';
import { StowageError } from '../errors.ts';
import { resetFolder } from './interim-folder.ts';
import type { StepContext, StepTargetInput } from './step-context.ts';
import { runTargetStep, type OpenedTarget } from './target-step.ts';

export interface RestoreStepInput extends StepTargetInput {
  restoreSession: string;
  sourceHostname: string;
  /** Snapshot ids (comma list) or `latest`. */
  snapshot: string;
}

/** What to restore, in the order given. */
interface RestoreRequest {
  plan: StreamRestorePlan;
  /** The host whose snapshots `latest` means. */
  sourceHost: string;
  interimDir: string;
}

export function runRestoreStep(ctx: StepContext, input: RestoreStepInput): Promise<HostRestoreStats> {
  return runTargetStep(ctx, input, {
    verb: 'restore',
    session: { restoreSession: `${input.namespace}/${input.restoreSession}` },
    run: async (t) => {
      const request: RestoreRequest = {
        plan: await t.addon.planRestore(t.target),
        sourceHost: input.sourceHostname || t.host,
        interimDir: input.interimDataDir || join(t.scratch, 'interim-data'),
      };
      for (const snapshot of snapshotIds(input.snapshot)) await restoreSnapshot(ctx, t, request, snapshot);
      return {};
    },
  });
}

function snapshotIds(list: string): string[] {
  if (!list) return ['latest'];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function restoreSnapshot(
  ctx: StepContext,
  t: OpenedTarget,
  request: RestoreRequest,
  snapshot: string,
): Promise<void> {
  if (!t.addon.folder) {
    const host = snapshot === 'latest' ? { host: request.sourceHost } : {};
    return streamSnapshot(t, request.plan, { snapshot, ...host });
  }
  const snap = await findSnapshot(t.restic, snapshot, request.sourceHost);
  const path = snap.paths[0] ?? '/';
  if (snap.paths.length === 1 && path === `/${request.plan.filename}`) {
    return streamSnapshot(t, request.plan, { snapshot: snap.id });
  }
  await restoreFolder(ctx, t, t.addon.folder, { id: snap.id, path, dir: request.interimDir });
}

/** restic writes the dump file to the loader's stdin. */
async function streamSnapshot(
  t: OpenedTarget,
  plan: StreamRestorePlan,
  selector: { snapshot: string; host?: string },
): Promise<void> {
  t.log.info({ snapshot: selector.snapshot, filename: plan.filename }, 'restore started');
  await t.restic.dumpToCommand({ ...selector, filename: plan.filename, plan, onStderrLine: t.programLog });
}

/** The snapshot's folder is restored into `dir`, loaded from there, and removed again. */
async function restoreFolder(
  ctx: StepContext,
  t: OpenedTarget,
  folder: FolderAddon,
  from: { id: string; path: string; dir: string },
): Promise<void> {
  await resetFolder(from.dir);
  t.log.info({ snapshot: from.id, path: from.path, dir: from.dir }, 'restoring the dump folder');
  await t.restic.restore({ snapshot: `${from.id}:${from.path}`, target: from.dir });
  t.log.info({ dir: from.dir }, 'loading from the dump folder');
  await runPlan(await folder.planFolderRestore(t.target, from.dir), {
    env: ctx.processEnv,
    onStderrLine: t.programLog,
  });
  await resetFolder(from.dir); // the data belongs in the database, not left on the volume
}

/** The snapshot an id or `latest` (newest of the source host) names; a clear error when none does. */
async function findSnapshot(restic: Restic, snapshot: string, host: string): Promise<SnapshotInfo> {
  if (snapshot === 'latest') {
    const all = await restic.snapshots({ host });
    const newest = all.reduce<SnapshotInfo | undefined>((a, b) => (!a || b.time > a.time ? b : a), undefined);
    if (!newest) throw new StowageError('NOT_FOUND', `the repository has no snapshot of host "${host}"`);
    return newest;
  }
  const all = await restic.snapshots({});
  const found = all.find((s) => s.id === snapshot || s.id.startsWith(snapshot) || s.shortId === snapshot);
  if (!found) throw new StowageError('NOT_FOUND', `snapshot "${snapshot}" is not in the repository`);
  return found;
}
