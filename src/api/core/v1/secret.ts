/** The core Secret, as far as Stowage reads it: data is base64, stringData plain (write-only). */
import { z } from 'zod';
import { kindObject } from '../../meta.ts';

export const secret = kindObject('v1', 'Secret', {
  type: z.string().optional(),
  data: z.record(z.string(), z.string().regex(/^[A-Za-z0-9+/=\s]*$/, 'expected base64')).optional(),
  stringData: z.record(z.string(), z.string()).optional(),
});
export type Secret = z.infer<typeof secret>;

/** The decoded key/value pairs of a Secret; stringData wins over data, as the API server does. */
export function secretValues(s: Pick<Secret, 'data' | 'stringData'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}
