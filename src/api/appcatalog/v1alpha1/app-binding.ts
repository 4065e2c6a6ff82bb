/** AppBinding (appcatalog.appscode.com/v1alpha1): how to reach a database, as KubeDB writes it. */
import { z } from 'zod';
import { kindObject, param } from '../../meta.ts';

export const secretTransform = z.object({
  renameKey: z.object({ from: z.string(), to: z.string() }).optional(),
  addKey: z
    .object({ key: z.string(), value: z.string().optional(), stringValue: z.string().optional() })
    .optional(),
  addKeysFrom: z.object({ secretRef: z.object({ name: z.string() }) }).optional(),
  removeKey: z.object({ key: z.string() }).optional(),
});
export type SecretTransform = z.infer<typeof secretTransform>;

export const clientConfig = z
  .object({
    url: z.string().optional(),
    service: z
      .object({
        scheme: z.string().optional(),
        namespace: z.string().optional(),
        name: z.string(),
        port: z.number().int().optional(),
        path: z.string().optional(),
        query: z.string().optional(),
      })
      .optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
    caBundle: z.string().optional(),
    serverName: z.string().optional(),
  })
  .refine((c) => c.url !== undefined || c.service !== undefined, {
    message: 'either url or service must be set',
  });

const addonTask = z.object({ name: z.string(), params: z.array(param).optional() });

export const appBinding = kindObject('appcatalog.appscode.com/v1alpha1', 'AppBinding', {
  spec: z.object({
    type: z.string().optional(),
    appRef: z
      .object({
        apiGroup: z.string().optional(),
        kind: z.string().optional(),
        name: z.string(),
        namespace: z.string().optional(),
      })
      .optional(),
    version: z.string().optional(),
    clientConfig,
    secret: z
      .object({ apiGroup: z.string().optional(), kind: z.string().default('Secret'), name: z.string() })
      .optional(),
    secretTransforms: z.array(secretTransform).optional(),
    parameters: z
      .looseObject({
        stash: z
          .looseObject({
            addon: z
              .looseObject({ backupTask: addonTask.optional(), restoreTask: addonTask.optional() })
              .optional(),
          })
          .optional(),
      })
      .optional(),
    tlsSecret: z.object({ name: z.string() }).optional(),
  }),
});
export type AppBinding = z.infer<typeof appBinding>;
