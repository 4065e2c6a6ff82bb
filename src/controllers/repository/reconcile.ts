/**
 * Repository (stash-spec §3.12): keeps status.references in sync with the invokers that use it,
 * and guards its deletion with the finalizer `stash`, as Stash does:
 *
 * - not being deleted: the finalizer is added;
 * - being deleted (metadata.deletionTimestamp set) while the finalizer is there: with
 *   `spec.wipeOut: true` every backend object under the repository's prefix is deleted first
 *   (ctx.repositoryWiper, by default src/backends/wipe-out.ts); then the finalizer is removed and
 *   the store removes the Repository. A wipe that fails keeps the finalizer (so the Repository
 *   stays), records a Warning event with the reason and is retried with a backoff (30 s doubling
 *   up to 10 min). Setting `spec.wipeOut: false` lets a stuck deletion finish without wiping.
 *
 * Backend status (integrity, size, snapshot count) is written by the backup job's update-status.
 * docs/adr/0007-repository-wipeout.md records the decisions.
 */
import { secretValues } from '../../api/core/v1/secret.ts';
import type { ObjectOf } from '../../api/index.ts';
import { backendProvider } from '../../api/stash/v1alpha1/backend.ts';
import { repositorySpec, wipeOutNotImplementedMessage } from '../../api/stash/v1alpha1/repository.ts';
import { isWipeOutProvider, wipeOutLocation, wipeOutRepository } from '../../backends/wipe-out.ts';
import { errorMessage } from '../../errors.ts';
import { done, requeueAfter, type ControllerContext, type ReconcileResult } from '../context.ts';
import { recordEvent } from '../events.ts';
import { requireObject, storageSecretRole } from '../required-objects.ts';
import { withoutReconcileFailure } from '../report-failure.ts';
import { namespaceOf } from '../../api/well-known.ts';

export const REPOSITORY_FINALIZER = 'stash';

/** The first retry of a failed wipe waits this long; each further failure doubles it, up to the cap. */
export const WIPE_OUT_RETRY_MS = 30_000;
export const WIPE_OUT_RETRY_MAX_MS = 10 * 60_000;

type Repository = ObjectOf<'Repository'>;

export async function reconcileRepository(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const repo = await ctx.store.get('Repository', namespace, name);
  if (!repo) return done;
  if (repo.metadata.deletionTimestamp) return finalize(ctx, repo);
  await ensureFinalizer(ctx, repo);
  await syncReferences(ctx, namespace, name);
  return done;
}

async function ensureFinalizer(ctx: ControllerContext, repo: Repository): Promise<void> {
  const finalizers = repo.metadata.finalizers ?? [];
  if (finalizers.includes(REPOSITORY_FINALIZER)) return;
  // An object stored before a validation rule it now breaks cannot be written back (both stores
  // validate every write): leave it without the finalizer rather than fail here forever.
  if (!repositorySpec.safeParse(repo.spec).success) {
    ctx.logger.warn(
      { repository: `${repo.metadata.namespace}/${repo.metadata.name}` },
      'Repository spec is no longer valid; not adding the finalizer',
    );
    return;
  }
  await ctx.store.update<'Repository'>({
    ...repo,
    metadata: { ...repo.metadata, finalizers: [...finalizers, REPOSITORY_FINALIZER] },
  });
}

async function finalize(ctx: ControllerContext, repo: Repository): Promise<ReconcileResult> {
  const finalizers = repo.metadata.finalizers ?? [];
  if (!finalizers.includes(REPOSITORY_FINALIZER)) return done;
  let spec = repo.spec;
  if (repo.spec.wipeOut) {
    const provider = providerOf(repo);
    if (provider !== undefined && isWipeOutProvider(provider)) {
      const outcome = await wipe(ctx, repo);
      if (outcome !== undefined) return outcome;
    } else {
      // gcs, azure and swift (accepted, as Stash accepts them), or a local/b2 Repository stored
      // before validation refused that: the data stays, said in a Warning; the deletion is not held
      // up by a wipe that cannot happen, and wipeOut is dropped so the object can be written once
      // more without the finalizer.
      await recordEvent(
        ctx,
        repo,
        'Warning',
        'WipeOutSkipped',
        `${wipeOutNotImplementedMessage}; the backend data of this Repository was left in place`,
      );
      const { wipeOut: _dropped, ...rest } = repo.spec;
      spec = rest;
    }
  }
  await ctx.store.update<'Repository'>({
    ...repo,
    spec,
    metadata: { ...repo.metadata, finalizers: finalizers.filter((f) => f !== REPOSITORY_FINALIZER) },
  });
  return done;
}

/** Runs the wipe; undefined when it succeeded, else when to come back. */
async function wipe(ctx: ControllerContext, repo: Repository): Promise<ReconcileResult | undefined> {
  const failures = await failuresSinceDeletion(ctx, repo);
  if (failures.count > 0 && failures.last !== undefined) {
    const delay = Math.min(WIPE_OUT_RETRY_MS * 2 ** (failures.count - 1), WIPE_OUT_RETRY_MAX_MS);
    const wait = failures.last + delay - ctx.now().getTime();
    if (wait > 0) return requeueAfter(wait);
  }
  const location = wipeOutLocation(repo.spec.backend) ?? 'the backend';
  try {
    const secret = await storageSecret(ctx, repo);
    const wiper = ctx.repositoryWiper ?? wipeOutRepository;
    const result = await wiper(repo.spec.backend, secret);
    await recordEvent(
      ctx,
      repo,
      'Normal',
      'WipedOut',
      `Deleted ${result.removed} backend object${result.removed === 1 ? '' : 's'} under ${result.location}`,
    );
    return undefined;
  } catch (e) {
    const delay = Math.min(WIPE_OUT_RETRY_MS * 2 ** failures.count, WIPE_OUT_RETRY_MAX_MS);
    await recordEvent(
      ctx,
      repo,
      'Warning',
      'WipeOutFailed',
      `Failed to delete the backend data under ${location}: ${errorMessage(e)}. The Repository is kept and ` +
        `the wipe retried in ${Math.round(delay / 1000)}s; set spec.wipeOut to false to delete it without wiping.`,
    );
    ctx.logger.warn(
      { repository: `${repo.metadata.namespace}/${repo.metadata.name}`, err: errorMessage(e) },
      'wipeOut failed; retrying',
    );
    return requeueAfter(delay);
  }
}

/** The WipeOutFailed events recorded since the deletion started: how many, and the last one's time. */
async function failuresSinceDeletion(
  ctx: ControllerContext,
  repo: Repository,
): Promise<{ count: number; last: number | undefined }> {
  const since = Date.parse(repo.metadata.deletionTimestamp ?? '');
  const events = await ctx.store.listEvents({
    kind: 'Repository',
    namespace: namespaceOf(repo),
    name: repo.metadata.name ?? '',
  });
  const times = events
    .filter((e) => e.reason === 'WipeOutFailed' && e.time !== undefined)
    .map((e) => Date.parse(e.time!))
    .filter((t) => !Number.isNaN(t) && !(t < since));
  return { count: times.length, last: times.length ? Math.max(...times) : undefined };
}

/** The decoded storage Secret; none named is an empty one (ambient credentials, no auth). */
async function storageSecret(ctx: ControllerContext, repo: Repository): Promise<Record<string, string>> {
  const name = repo.spec.backend.storageSecretName;
  if (!name) return {};
  const ref = { namespace: namespaceOf(repo), name };
  return secretValues(
    await requireObject(ctx.store, 'Secret', ref, storageSecretRole(repo.metadata.name ?? '')),
  );
}

function providerOf(repo: Repository): string | undefined {
  try {
    return backendProvider(repo.spec.backend);
  } catch {
    return undefined;
  }
}

async function syncReferences(ctx: ControllerContext, namespace: string, name: string): Promise<void> {
  const uses = (ref: { name: string; namespace?: string | undefined } | undefined, invokerNs: string) =>
    ref !== undefined && ref.name === name && (ref.namespace ?? invokerNs) === namespace;
  const references: Array<{ kind: string; namespace: string; name: string }> = [];
  for (const bc of await ctx.store.list('BackupConfiguration')) {
    const ns = namespaceOf(bc);
    if (uses(bc.spec.repository, ns))
      references.push({ kind: 'BackupConfiguration', namespace: ns, name: bc.metadata.name ?? '' });
  }
  for (const rs of await ctx.store.list('RestoreSession')) {
    const ns = namespaceOf(rs);
    if (uses(rs.spec.repository, ns))
      references.push({ kind: 'RestoreSession', namespace: ns, name: rs.metadata.name ?? '' });
  }
  await ctx.store.updateStatus('Repository', namespace, name, (cur) => {
    const status = cur.status ?? {};
    const conditions = withoutReconcileFailure(status.conditions);
    const same = JSON.stringify(status.references ?? []) === JSON.stringify(references);
    if (same && conditions.length === (status.conditions ?? []).length) return undefined;
    return {
      ...status,
      references,
      observedGeneration: cur.metadata.generation,
      ...(status.conditions ? { conditions } : {}),
    };
  });
}
