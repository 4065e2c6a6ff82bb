/**
 * A Secret as the API server stores it: `stringData` is write-only, merged into `data` (base64) on
 * every write, a key of stringData winning over the same key of data. The standalone store applies
 * it on write, so a Secret reads back the same on both runtimes.
 */
import type { AnyObject, Secret } from '../../api/index.ts';

export function mergeStringData<T extends AnyObject>(obj: T): T {
  if (obj.kind !== 'Secret' || obj.stringData === undefined) return obj;
  const { stringData = {}, data: given, ...rest }: Secret = obj;
  const data: Record<string, string> = { ...given };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
  // An empty stringData and no data leave no data field, as on the server.
  return (Object.keys(data).length > 0 ? { ...rest, data } : rest) as T;
}
