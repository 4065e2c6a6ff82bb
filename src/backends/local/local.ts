/** Local folder (a mounted volume in Kubernetes, a directory in standalone mode). */
import type { BackendProvider } from '../types.ts';

export const localBackend: BackendProvider<'local'> = {
  provider: 'local',
  // The repository is the mountPath itself; subPath only selects what gets mounted there.
  plan: (spec) => ({ repository: spec.mountPath, localDirectory: spec.mountPath }),
};
