import { z } from 'zod';
import { kindObject, openObject } from '../../meta.ts';

export const functionSpec = z.object({
  image: z.string().min(1, 'image is required'),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(openObject()).optional(),
  volumeMounts: z.array(openObject()).optional(),
  volumeDevices: z.array(openObject()).optional(),
  runtimeSettings: openObject().optional(),
  podSecurityPolicyName: z.string().optional(),
});

export const stashFunction = kindObject('stash.appscode.com/v1beta1', 'Function', {
  spec: functionSpec,
});
export type StashFunction = z.infer<typeof stashFunction>;
