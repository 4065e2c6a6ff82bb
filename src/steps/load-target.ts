/** Reads an AppBinding and its Secret (with secretTransforms applied) into an addon target. */
import { secretValues } from '../api/index.ts';
import type { AddonTarget } from '../addons/addon.ts';
import { applySecretTransforms } from '../addons/secret-transforms.ts';
import { StowageError } from '../errors.ts';
import type { StepContext } from './step-context.ts';

export async function loadAddonTarget(
  ctx: StepContext,
  ref: { namespace: string; name: string },
  o: { args: string[]; params: Record<string, string>; scratchDir: string },
): Promise<AddonTarget> {
  const appBinding = await ctx.store.get('AppBinding', ref.namespace, ref.name);
  if (!appBinding) throw new StowageError('NOT_FOUND', `AppBinding ${ref.namespace}/${ref.name} not found`);
  let credentials: Record<string, string> = {};
  const secretName = appBinding.spec.secret?.name;
  if (secretName) {
    const secret = await ctx.store.get('Secret', ref.namespace, secretName);
    if (!secret)
      throw new StowageError(
        'NOT_FOUND',
        `Secret ${ref.namespace}/${secretName} (spec.secret of AppBinding ${ref.name}) not found`,
      );
    credentials = await applySecretTransforms(
      secretValues(secret),
      appBinding.spec.secretTransforms,
      async (name) => {
        const other = await ctx.store.get('Secret', ref.namespace, name);
        if (!other)
          throw new StowageError(
            'NOT_FOUND',
            `Secret ${ref.namespace}/${name} (secretTransforms of AppBinding ${ref.name}) not found`,
          );
        return secretValues(other);
      },
    );
  }
  return { appBinding, credentials, args: o.args, params: o.params, scratchDir: o.scratchDir };
}
