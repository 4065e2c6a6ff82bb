/**
 * One test environment per test file: the control plane starts before the file's first test and
 * stops after its last. Apart from kube-support.ts because it registers vitest hooks, and that file
 * is also imported outside vitest (bench/, the e2e harness).
 */
import { afterAll, beforeAll } from 'vitest';
import type { KubeClusterOptions } from '../../harness/kube-cluster.ts';
import { startKubeTestEnv, type KubeTestEnv } from './kube-support.ts';

/**
 * Registers the hooks and returns a view of the environment to read inside tests and later hooks
 * (reading it at collection time, before beforeAll has run, throws). Hooks registered after this
 * call run after the start and before the stop.
 */
export function useKubeTestEnv(options?: KubeClusterOptions): KubeTestEnv {
  let started: KubeTestEnv | undefined;
  beforeAll(async () => {
    started = await startKubeTestEnv(options);
  });
  afterAll(async () => {
    await started?.cluster.stop();
  });
  const env = (): KubeTestEnv => {
    if (!started) throw new Error('the Kubernetes test environment is not started yet (beforeAll)');
    return started;
  };
  return {
    get cluster() {
      return env().cluster;
    },
    get clients() {
      return env().clients;
    },
    get store() {
      return env().store;
    },
  };
}
