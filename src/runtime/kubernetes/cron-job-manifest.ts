/**
 * The CronJob that triggers a BackupConfiguration (stash-spec §3.1): named as Stash names it,
 * owned by the BackupConfiguration, suspended while paused, running our image's
 * `create-backupsession` — which creates `<bc>-<unix seconds>` exactly as the standalone
 * scheduler does. Its pod runs as a ServiceAccount allowed only what that command does.
 */
import type { V1Container, V1CronJob, V1PodSpec } from '@kubernetes/client-node';
import type { ObjectOf } from '../../api/index.ts';
import { invokerOffshootLabels } from '../../controllers/backup-session/create.ts';
import {
  LABEL_DELETE_JOB_ON_COMPLETION,
  LABEL_INVOKER_NAME,
  LABEL_INVOKER_TYPE,
  nameOf,
  namespaceOf,
} from '../../api/well-known.ts';
import { cronJobName, cronJobServiceAccountName } from '../../core/naming.ts';
import { POD_ENV } from './pod-env.ts';
import { controllerRef, cronJobRules, rbacSet, type RbacSet } from './rbac-manifests.ts';
import {
  applyContainerSettings,
  applyPodSettings,
  podTemplateMeta,
  serviceAccountNameOf,
  TRIGGER_CONTAINER_FIELDS,
} from './runtime-settings.ts';

const TRIGGER_CONTAINER = 'stash-trigger';

interface CronJobManifests {
  cronJob: V1CronJob;
  rbac: RbacSet;
}

/** `create-backupsession` as src/cli/commands/steps.ts defines it. */
function triggerArgs(bc: { namespace: string; name: string }): string[] {
  return [
    'create-backupsession',
    `--invoker-name=${bc.name}`,
    '--invoker-kind=BackupConfiguration',
    `--namespace=${bc.namespace}`,
  ];
}

export function cronJobManifests(
  bc: ObjectOf<'BackupConfiguration'>,
  o: { image: string },
): CronJobManifests {
  const namespace = namespaceOf(bc);
  const bcName = nameOf(bc);
  const targetNs = bc.spec.target?.ref.namespace;
  // The invoker labels let remove() find the CronJob without knowing the target namespace.
  const labels = {
    ...invokerOffshootLabels(bc),
    [LABEL_INVOKER_TYPE]: 'BackupConfiguration',
    [LABEL_INVOKER_NAME]: bcName,
  };
  const owner = controllerRef({
    apiVersion: bc.apiVersion,
    kind: bc.kind,
    name: bcName,
    uid: bc.metadata.uid ?? '',
  });
  const pod = bc.spec.runtimeSettings?.pod;
  const userSa = serviceAccountNameOf(pod);
  const rbacName = cronJobServiceAccountName({ name: bcName, namespace }, targetNs);
  const rbac = rbacSet({
    name: rbacName,
    namespace,
    ...(userSa ? { serviceAccountName: userSa } : {}),
    rules: cronJobRules(bcName),
    owner,
    labels,
  });
  const jobLabels = { ...labels, [LABEL_DELETE_JOB_ON_COMPLETION]: 'true' };
  const podSpec = triggerPodSpec(bc, o.image, userSa ?? rbacName);
  return {
    rbac,
    cronJob: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {
        name: cronJobName({ name: bcName, namespace }, targetNs),
        namespace,
        labels,
        ownerReferences: [owner],
      },
      spec: {
        schedule: bc.spec.schedule ?? '',
        suspend: bc.spec.paused ?? false,
        // A trigger that is still running (API server slow) must not stack a second session.
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { labels: jobLabels },
          spec: {
            // A retried trigger would create a second BackupSession (named by its own time).
            backoffLimit: 0,
            template: { metadata: podTemplateMeta(pod, jobLabels), spec: podSpec },
          },
        },
      },
    },
  };
}

/** The trigger's pod: our image's `create-backupsession`, with the invoker's runtimeSettings. */
function triggerPodSpec(
  bc: ObjectOf<'BackupConfiguration'>,
  image: string,
  serviceAccountName: string,
): V1PodSpec {
  const container: V1Container = applyContainerSettings(
    {
      name: TRIGGER_CONTAINER,
      image,
      imagePullPolicy: 'IfNotPresent',
      args: triggerArgs({ namespace: namespaceOf(bc), name: nameOf(bc) }),
      env: [...POD_ENV],
    },
    bc.spec.runtimeSettings?.container,
    TRIGGER_CONTAINER_FIELDS,
  );
  return applyPodSettings(
    { restartPolicy: 'Never', serviceAccountName, containers: [container] },
    bc.spec.runtimeSettings?.pod,
  );
}
