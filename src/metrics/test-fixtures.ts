/**
 * What the metrics unit tests share: the invokers and the target of the Stash docs' Elasticsearch
 * example with the labels they get, and a reader of a registry's samples. Tests only.
 */
import type { Registry } from 'prom-client';
import type { InvokerInfo, Labels, TargetInfo } from './labels.ts';

export const backupInvoker: InvokerInfo = {
  kind: 'BackupConfiguration',
  name: 'sample-es-backup',
  namespace: 'demo',
  repository: 'gcs-repo',
};

export const restoreInvoker: InvokerInfo = {
  ...backupInvoker,
  kind: 'RestoreSession',
  name: 'sample-es-restore',
};

/** The invoker labels of an invoker of the example (Restic is the default driver). */
export const invokerLabelsOf = (invoker: InvokerInfo): Labels => ({
  invoker_kind: invoker.kind,
  invoker_name: invoker.name,
  namespace: 'demo',
  driver: 'Restic',
  repository: 'gcs-repo',
});

export const esTarget: TargetInfo = {
  ref: { apiVersion: 'appcatalog.appscode.com/v1alpha1', kind: 'AppBinding', name: 'sample-es' },
  appBindingType: 'kubedb.com/elasticsearch',
};
export const esTargetLabels: Labels = { kind: 'elasticsearch', group: 'kubedb.com', name: 'sample-es' };

export interface Sample {
  labels: Record<string, unknown>;
  value: number;
}

/** metric name → its samples, of everything in the registry. */
export async function samples(registry: Registry): Promise<Map<string, Sample[]>> {
  const json = await registry.getMetricsAsJSON();
  return new Map(
    json.map((m) => [m.name, m.values.map((v) => ({ labels: { ...v.labels }, value: v.value }))]),
  );
}
