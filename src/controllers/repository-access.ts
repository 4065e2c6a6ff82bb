/**
 * Whether an invoker (BackupConfiguration or RestoreSession) can use its Repository: the
 * Repository exists, its storage Secret exists, and its usagePolicy admits the invoker's namespace
 * (stash-spec §1.3, §1.4, §1.6). Both invokers report it with the same three conditions and reasons;
 * this is the one place that checks it.
 */
import type { Condition, ObjectOf } from '../api/index.ts';
import { BackupInvokerCondition as C, BackupInvokerReason as R, conditionOf } from '../core/conditions.ts';
import type { ControllerContext } from './context.ts';
import { checkUsagePolicy, needsNamespaceLabels } from './repository/usage-policy.ts';

export interface RepositoryAccess {
  /** The Repository, when it exists. */
  repository: ObjectOf<'Repository'> | undefined;
  /** RepositoryFound, then (when it exists) BackendSecretFound and ValidationPassed. */
  conditions: Condition[];
  /** Something named does not exist (yet): the invoker waits for it. */
  missing: boolean;
  /** The usagePolicy refuses the invoker: nothing to wait for, the user must change something. */
  refused: boolean;
}

export async function checkRepositoryAccess(
  ctx: Pick<ControllerContext, 'store'>,
  invokerNamespace: string,
  ref: { name: string; namespace?: string | undefined },
): Promise<RepositoryAccess> {
  const repoNs = ref.namespace || invokerNamespace;
  const subject = `${repoNs}/${ref.name}`;
  const repository = await ctx.store.get('Repository', repoNs, ref.name);
  if (!repository) {
    const notFound = conditionOf(
      C.RepositoryFound,
      false,
      R.RepositoryNotAvailable,
      `Repository ${subject} does not exist.`,
    );
    return { repository, conditions: [notFound], missing: true, refused: false };
  }
  const found = conditionOf(C.RepositoryFound, true, R.RepositoryAvailable, `Repository ${subject} exist.`);
  const secret = await secretCondition(ctx, repository, repoNs);
  const refusal = checkUsagePolicy(
    repository,
    invokerNamespace,
    needsNamespaceLabels(repository, invokerNamespace)
      ? await ctx.store.namespaceLabels(invokerNamespace)
      : undefined,
  );
  const validation = refusal
    ? conditionOf(C.ValidationPassed, false, R.ResourceValidationFailed, refusal)
    : conditionOf(C.ValidationPassed, true, R.ResourceValidationPassed, 'Successfully validated.');
  return {
    repository,
    conditions: [found, secret, validation],
    missing: secret.status !== 'True',
    refused: refusal !== undefined,
  };
}

async function secretCondition(
  ctx: Pick<ControllerContext, 'store'>,
  repository: ObjectOf<'Repository'>,
  repoNs: string,
): Promise<Condition> {
  const secretName = repository.spec.backend.storageSecretName;
  if (!secretName) {
    const message = `Repository ${repoNs}/${repository.metadata.name} has no spec.backend.storageSecretName.`;
    return conditionOf(C.BackendSecretFound, false, R.BackendSecretNotAvailable, message);
  }
  return (await ctx.store.get('Secret', repoNs, secretName))
    ? conditionOf(
        C.BackendSecretFound,
        true,
        R.BackendSecretAvailable,
        `Backend Secret ${repoNs}/${secretName} exist.`,
      )
    : conditionOf(
        C.BackendSecretFound,
        false,
        R.BackendSecretNotAvailable,
        `Backend Secret ${repoNs}/${secretName} does not exist.`,
      );
}
