/** Where a Repository keeps its data (kmodules objectstore-api Backend). Exactly one provider is set. */
import { z } from 'zod';

const prefixed = { prefix: z.string().optional() };
const maxConnections = { maxConnections: z.number().int().nonnegative().optional() };

export const localSpec = z
  .looseObject({
    mountPath: z.string().min(1, 'mountPath is required'),
    subPath: z.string().optional(),
  })
  .refine((l) => !(l.mountPath === '/stash' || l.mountPath.startsWith('/stash/')), {
    message: 'mountPath must not be /stash or below it',
    path: ['mountPath'],
  });
export const s3Spec = z.object({
  endpoint: z.string().min(1, 'endpoint is required'),
  bucket: z.string().min(1, 'bucket is required'),
  ...prefixed,
  region: z.string().optional(),
  insecureTLS: z.boolean().optional(),
});
export const gcsSpec = z.object({ bucket: z.string().min(1), ...prefixed, ...maxConnections });
export const azureSpec = z.object({ container: z.string().min(1), ...prefixed, ...maxConnections });
export const swiftSpec = z.object({ container: z.string().min(1), ...prefixed });
export const b2Spec = z.object({ bucket: z.string().min(1), ...prefixed, ...maxConnections });
export const restSpec = z.object({ url: z.string().url('expected a URL such as http://host:8000/path') });

export const providers = ['local', 's3', 'gcs', 'azure', 'swift', 'b2', 'rest'] as const;
export type Provider = (typeof providers)[number];

export const backend = z
  .object({
    storageSecretName: z.string().optional(),
    local: localSpec.optional(),
    s3: s3Spec.optional(),
    gcs: gcsSpec.optional(),
    azure: azureSpec.optional(),
    swift: swiftSpec.optional(),
    b2: b2Spec.optional(),
    rest: restSpec.optional(),
  })
  .superRefine((b, ctx) => {
    const set = providers.filter((p) => b[p] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `exactly one of ${providers.join(', ')} must be set (found ${set.length === 0 ? 'none' : set.join(', ')})`,
      });
    }
  });
export type Backend = z.infer<typeof backend>;

/** The provider a valid backend uses. */
export function backendProvider(b: Backend): Provider {
  const p = providers.find((k) => b[k] !== undefined);
  if (!p) throw new Error('backend has no provider');
  return p;
}
