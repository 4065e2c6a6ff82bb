/** Reads an AppBinding and its Secret (with secretTransforms applied) into an addon target. */
import { secretValues } from '../api/index.ts';
import type { AddonTarget } from '../addons/addon.ts';
import { applySecretTransforms } from '../addons/secret-transforms.ts';
import { requireObject } from '../controllers/required-objects.ts';
import type { StepContext } from './step-context.ts';

export async function loadAddonTarget(
  ctx: StepContext,
  ref: { namespace: string; name: string },
  o: { args: string[]; params: Record<string, string>; scratchDir: string },
): Promise<AddonTarget> {
  const appBinding = await requireObject(ctx.store, 'AppBinding', ref);
  const secretOf = async (name: string, role: string) =>
    secretValues(await requireObject(ctx.store, 'Secret', { namespace: ref.namespace, name }, role));
  const secretName = appBinding.spec.secret?.name;
  const credentials = secretName
    ? await applySecretTransforms(
        await secretOf(secretName, `spec.secret of AppBinding ${ref.name}`),
        appBinding.spec.secretTransforms,
        (name) => secretOf(name, `secretTransforms of AppBinding ${ref.name}`),
      )
    : {};
  return { appBinding, credentials, args: o.args, params: o.params, scratchDir: o.scratchDir };
}
