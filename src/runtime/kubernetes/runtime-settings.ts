/**
 * An invoker's runtimeSettings (offshoot-api RuntimeSettings, carried as open objects) applied to
 * a pod spec and its containers where Stash applies them. We copy the Kubernetes fields as they
 * are: the API server validates them, we do not re-model them.
 */
import type { V1Container, V1EnvVar, V1PodSpec, V1ObjectMeta } from '@kubernetes/client-node';

type Open = Record<string, unknown>;

/** Pod fields of RuntimeSettings.pod copied onto the PodSpec under the same names. */
const POD_FIELDS = [
  'nodeSelector',
  'automountServiceAccountToken',
  'nodeName',
  'securityContext',
  'imagePullSecrets',
  'affinity',
  'schedulerName',
  'tolerations',
  'priorityClassName',
  'priority',
  'readinessGates',
  'runtimeClassName',
  'enableServiceLinks',
  'topologySpreadConstraints',
] as const;

/** Container fields of RuntimeSettings.container copied onto every container. */
const CONTAINER_FIELDS = [
  'resources',
  'livenessProbe',
  'readinessProbe',
  'lifecycle',
  'securityContext',
  'envFrom',
] as const;

/** The CronJob's trigger container takes only these (stash-spec §3.1). */
export const TRIGGER_CONTAINER_FIELDS = ['resources', 'securityContext', 'envFrom'] as const;

export function serviceAccountNameOf(pod: Open | undefined): string | undefined {
  const sa = pod?.serviceAccountName;
  return typeof sa === 'string' && sa ? sa : undefined;
}

/** Pod labels and annotations for the pod template's metadata. */
export function podTemplateMeta(pod: Open | undefined, labels: Record<string, string>): V1ObjectMeta {
  const podLabels = (pod?.podLabels ?? {}) as Record<string, string>;
  const podAnnotations = pod?.podAnnotations as Record<string, string> | undefined;
  return { labels: { ...podLabels, ...labels }, ...(podAnnotations ? { annotations: podAnnotations } : {}) };
}

export function applyPodSettings(spec: V1PodSpec, pod: Open | undefined): V1PodSpec {
  if (!pod) return spec;
  const out: Open = { ...spec };
  for (const f of POD_FIELDS) if (pod[f] !== undefined) out[f] = pod[f];
  return out as unknown as V1PodSpec;
}

/**
 * Env is upserted by name; nice/ionice become the env the steps wrap restic with
 * (NICE_ADJUSTMENT, IONICE_CLASS, IONICE_CLASS_DATA), as Stash does.
 */
export function applyContainerSettings(
  c: V1Container,
  settings: Open | undefined,
  fields: readonly string[] = CONTAINER_FIELDS,
): V1Container {
  if (!settings) return c;
  const out: Open = { ...c };
  for (const f of fields) if (settings[f] !== undefined) out[f] = settings[f];
  const extra: V1EnvVar[] = [...((settings.env ?? []) as V1EnvVar[])];
  const nice = settings.nice as { adjustment?: number } | undefined;
  if (nice?.adjustment !== undefined) extra.push({ name: 'NICE_ADJUSTMENT', value: String(nice.adjustment) });
  const ionice = settings.ionice as { class?: number; classData?: number } | undefined;
  if (ionice?.class !== undefined) extra.push({ name: 'IONICE_CLASS', value: String(ionice.class) });
  if (ionice?.classData !== undefined)
    extra.push({ name: 'IONICE_CLASS_DATA', value: String(ionice.classData) });
  return { ...(out as unknown as V1Container), env: upsertEnv(c.env ?? [], extra) };
}

export function upsertEnv(base: V1EnvVar[], extra: V1EnvVar[]): V1EnvVar[] {
  const out = [...base];
  for (const e of extra) {
    const i = out.findIndex((x) => x.name === e.name);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}
