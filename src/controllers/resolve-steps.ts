/**
 * From an invoker (BackupConfiguration or RestoreSession) to the ordered steps of its Job: the Task
 * named by the invoker or by the target AppBinding's Stash addon parameters, resolved with Stash's
 * variables (stash-spec §3.3–3.4). Tasks and Functions are read from the Store (the catalog).
 */
import type { ObjectOf } from '../api/index.ts';
import { resolveAddonInfo, resolveTask } from '../core/resolve-task.ts';
import { backupVariables, restoreVariables, type ImageParts } from '../core/variables.ts';
import { StowageError } from '../errors.ts';
import type { ControllerContext } from './context.ts';
import type { JobStep } from './store.ts';

export type ResolveStepsInput =
  | {
      mode: 'backup';
      invoker: ObjectOf<'BackupConfiguration'>;
      invokerNamespace: string;
      repository: ObjectOf<'Repository'>;
      sessionName: string;
    }
  | {
      mode: 'restore';
      invoker: ObjectOf<'RestoreSession'>;
      invokerNamespace: string;
      repository: ObjectOf<'Repository'>;
      sessionName: string;
    };

/** `registry/image:tag` → its parts (STASH_DOCKER_REGISTRY, STASH_DOCKER_IMAGE, STASH_IMAGE_TAG). */
export function imageParts(image: string): ImageParts {
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const tag = at > slash ? image.slice(at + 1) : 'latest';
  const repo = at > slash ? image.slice(0, at) : image;
  const cut = repo.lastIndexOf('/');
  return { registry: cut >= 0 ? repo.slice(0, cut) : '', image: cut >= 0 ? repo.slice(cut + 1) : repo, tag };
}

function envRecord(env: Array<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? [])
    if (typeof e.name === 'string' && typeof e.value === 'string') out[e.name] = e.value;
  return out;
}

export async function resolveJobSteps(ctx: ControllerContext, input: ResolveStepsInput): Promise<JobStep[]> {
  const ref = input.invoker.spec.target?.ref;
  const appBinding =
    ref?.kind === 'AppBinding' && ref.name
      ? await ctx.store.get('AppBinding', ref.namespace ?? input.invokerNamespace, ref.name)
      : undefined;
  const addon = resolveAddonInfo(appBinding, input.invoker.spec.task);
  const task = input.mode === 'backup' ? addon.backupTask : addon.restoreTask;
  if (!task.name) {
    throw new StowageError(
      'INVALID_INPUT',
      `${input.invoker.kind} ${input.invokerNamespace}/${input.invoker.metadata.name}: no Task to run; set spec.task.name or use an AppBinding whose spec.parameters.stash.addon names one`,
    );
  }
  const operator = {
    image: imageParts(ctx.settings.image),
    pushgatewayUrl: ctx.settings.pushgatewayUrl ?? '',
  };
  const variables =
    input.mode === 'backup'
      ? backupVariables({
          repository: input.repository,
          invoker: input.invoker,
          backupSessionName: input.sessionName,
          operator,
          taskParams: task.params,
        })
      : restoreVariables({
          repository: input.repository,
          invoker: input.invoker,
          operator,
          taskParams: task.params,
        });
  const tasks = new Map((await ctx.store.list('Task')).map((t) => [t.metadata.name ?? '', t]));
  const functions = new Map((await ctx.store.list('Function')).map((f) => [f.metadata.name ?? '', f]));
  const resolved = resolveTask({ taskName: task.name, tasks, functions, variables });
  return resolved.steps.map((s) => ({
    name: s.containerName,
    image: s.image,
    command: s.command ?? [],
    args: s.args ?? [],
    env: envRecord(s.env),
  }));
}
