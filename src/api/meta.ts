/**
 * Kubernetes object metadata and the shared shapes every kind uses. Embedded core types
 * (volumes, pod settings, PVC specs) are kept as open objects: we pass them through, we do not
 * re-model Kubernetes.
 */
import { z } from 'zod';

/** An object whose fields we carry but do not model (a core Kubernetes type). */
export const openObject = () => z.looseObject({});

export const ownerReference = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

export const objectMeta = z.object({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(ownerReference).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof objectMeta>;

/**
 * An object of one kind: its apiVersion and kind (each the one literal the API server accepts), its
 * metadata, and the fields of that kind (spec, status, or a Secret's data).
 */
export function kindObject<const A extends string, const K extends string, Shape extends z.ZodRawShape>(
  apiVersion: A,
  kind: K,
  fields: Shape,
) {
  return z.object({
    apiVersion: z.literal(apiVersion),
    kind: z.literal(kind),
    metadata: objectMeta,
    ...fields,
  });
}

/** kmapi.Condition, as Stash writes it. */
export const condition = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.infer<typeof condition>;

/** A Kubernetes resource.Quantity: "1Gi" or 1024. */
export const quantity = z.union([z.string(), z.number()]);

/** A Go time.Duration string such as "10m", "1h30m", "45s". */
export const goDuration = z
  .string()
  // time.ParseDuration's grammar (unsigned): "0", or number+unit pairs where a number may be "1", "1.5", "1." or ".5"
  // and µ may be either code point. Kept RE2-compatible: the CRD carries it as a `pattern`.
  .regex(
    /^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$/,
    'expected a duration such as "30s", "10m" or "1h30m"',
  );

export const targetRef = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
});
export type TargetRef = z.infer<typeof targetRef>;

export const param = z.object({ name: z.string(), value: z.string() });
export type Param = z.infer<typeof param>;

export const taskRef = z.object({
  name: z.string().optional(),
  params: z.array(param).optional(),
});
export type TaskRef = z.infer<typeof taskRef>;
