/**
 * The user-facing restore: a RestoreSession from a Repository into the database an AppBinding
 * describes. The restore Task comes from the AppBinding (`spec.parameters.stash.addon.restoreTask`,
 * as KubeDB writes it) unless one is named; the session leaves `spec.task` empty in that case, as
 * Stash's documented RestoreSessions do, so the controller resolves the same Task.
 */
import { requireObject } from '../../controllers/required-objects.ts';
import type { ObjectOf } from '../../api/index.ts';
import type { Store } from '../../controllers/store.ts';
import { resolveAddonInfo } from '../../core/resolve-task.ts';
import { StowageError } from '../../errors.ts';

export interface RestoreRequest {
  namespace: string;
  /** Repository name; `repositoryNamespace` defaults to `namespace`. */
  repository: string;
  repositoryNamespace?: string;
  /** AppBinding name in `namespace`. */
  appBinding: string;
  /** Snapshot id, Snapshot name `<repository>-<id>`, or `latest` (default). */
  snapshot?: string;
  /** restic host the backup was taken as (default: the target's own host, `host-0`). */
  sourceHost?: string;
  /** RestoreSession name; default generateName `<appbinding>-restore-`. */
  name?: string;
  /** Task name overriding the AppBinding's restore task. */
  task?: string;
}

export interface PreparedRestore {
  session: ObjectOf<'RestoreSession'>;
  /** The Task the controller will run. */
  task: string;
}

export async function prepareRestoreSession(store: Store, r: RestoreRequest): Promise<PreparedRestore> {
  const repoNs = r.repositoryNamespace ?? r.namespace;
  await requireObject(store, 'Repository', { namespace: repoNs, name: r.repository }, '--from');
  const appBinding = await requireObject(
    store,
    'AppBinding',
    { namespace: r.namespace, name: r.appBinding },
    '--to',
  );
  const task = r.task ?? resolveAddonInfo(appBinding, undefined).restoreTask.name;
  if (!task)
    throw new StowageError(
      'INVALID_INPUT',
      `AppBinding "${r.appBinding}" in namespace "${r.namespace}" names no restore Task (spec.parameters.stash.addon.restoreTask.name is empty); add it or pass --task <name>`,
    );
  if (!(await store.get('Task', '', task)))
    throw new StowageError(
      'NOT_FOUND',
      `Task "${task}" (${r.task ? '--task' : `restore Task of AppBinding "${r.appBinding}"`}) is not installed; install the catalog with: stowage apply -f deploy/catalog (stowage serve does it at start)`,
    );
  // A Stash Snapshot name `<repository>-<id>` names the same snapshot as its id.
  const given = r.snapshot ?? 'latest';
  const snapshot = given.startsWith(`${r.repository}-`) ? given.slice(r.repository.length + 1) : given;
  if (!/^(latest|[0-9a-f]{4,64})$/.test(snapshot))
    throw new StowageError(
      'USAGE',
      `--snapshot "${given}" is not a snapshot id (hex), a Snapshot name (${r.repository}-<id>) or "latest"; list them with: stowage snapshots ${r.repository} -n ${repoNs}`,
    );
  const session: ObjectOf<'RestoreSession'> = {
    apiVersion: 'stash.appscode.com/v1beta1',
    kind: 'RestoreSession',
    metadata: {
      ...(r.name ? { name: r.name } : { generateName: `${r.appBinding}-restore-` }),
      namespace: r.namespace,
    },
    spec: {
      ...(r.task ? { task: { name: r.task } } : {}),
      driver: 'Restic',
      repository: { name: r.repository, ...(repoNs !== r.namespace ? { namespace: repoNs } : {}) },
      target: {
        ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: r.appBinding },
      },
      rules: [{ snapshots: [snapshot], ...(r.sourceHost ? { sourceHost: r.sourceHost } : {}) }],
    },
  };
  return { session, task };
}

export async function createRestoreSession(store: Store, r: RestoreRequest): Promise<PreparedRestore> {
  const prepared = await prepareRestoreSession(store, r);
  try {
    return { ...prepared, session: await store.create<'RestoreSession'>(prepared.session) };
  } catch (e) {
    if (e instanceof StowageError && e.code === 'ALREADY_EXISTS')
      throw new StowageError(
        'ALREADY_EXISTS',
        `RestoreSession "${r.name}" already exists in namespace "${r.namespace}"; choose another --name or leave it out`,
      );
    throw e;
  }
}
