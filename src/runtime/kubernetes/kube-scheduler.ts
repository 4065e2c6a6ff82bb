/**
 * The Kubernetes Scheduler: one batch/v1 CronJob per BackupConfiguration (cron-job-manifest.ts),
 * plus the ServiceAccount/Role/RoleBinding its pod runs as. Everything is owned by the
 * BackupConfiguration, so deleting it garbage-collects the trigger even when the operator is down;
 * remove() exists for a configuration that stays but must not fire (not ready).
 */
import type { V1CronJob } from '@kubernetes/client-node';
import type { ObjectOf } from '../../api/index.ts';
import type { Scheduler } from '../../controllers/store.ts';
import { LABEL_INVOKER_NAME, LABEL_INVOKER_TYPE } from '../../api/well-known.ts';
import { StowageError } from '../../errors.ts';
import { applyObject, isSubset } from './apply-object.ts';
import { applyRbac } from './apply-rbac.ts';
import { cronJobManifests } from './cron-job-manifest.ts';
import type { KubeClients } from './kube-client.ts';
import { isNotFound, toStowageError } from './kube-errors.ts';
import { namespaceOf } from '../../api/well-known.ts';

export interface CronJobSchedulerOptions {
  clients: KubeClients;
  /** Our image: the CronJob's container runs its `create-backupsession`. */
  image: string;
  fieldManager?: string;
}

export class CronJobScheduler implements Scheduler {
  readonly #c: KubeClients;
  readonly #image: string;
  readonly #fieldManager: string;

  constructor(o: CronJobSchedulerOptions) {
    this.#c = o.clients;
    this.#image = o.image;
    this.#fieldManager = o.fieldManager ?? 'stowage';
  }

  async ensure(bc: ObjectOf<'BackupConfiguration'>): Promise<string> {
    const ns = namespaceOf(bc);
    if (!bc.metadata.uid)
      throw new StowageError(
        'INVALID_INPUT',
        `BackupConfiguration ${ns}/${bc.metadata.name}: no metadata.uid; pass the object as read from the API server`,
      );
    if (!bc.spec.schedule)
      throw new StowageError(
        'INVALID_INPUT',
        `BackupConfiguration ${ns}/${bc.metadata.name}: spec.schedule is empty`,
      );
    const { cronJob, rbac } = cronJobManifests(bc, { image: this.#image });
    const name = cronJob.metadata?.name ?? '';
    await applyRbac(this.#c, rbac, this.#fieldManager);
    // The API server validates the schedule: an invalid one comes back as INVALID_INPUT with the
    // field path (spec.schedule), which the controller writes into CronJobCreated=False.
    await applyObject<V1CronJob>(
      `CronJob ${ns}/${name}`,
      cronJob,
      {
        create: (body) =>
          this.#c.batch.createNamespacedCronJob({ namespace: ns, body, fieldManager: this.#fieldManager }),
        read: () => this.#c.batch.readNamespacedCronJob({ namespace: ns, name }),
        replace: (body) =>
          this.#c.batch.replaceNamespacedCronJob({
            namespace: ns,
            name,
            body,
            fieldManager: this.#fieldManager,
          }),
      },
      (current, want) =>
        isSubset(want.spec, current.spec) &&
        isSubset(want.metadata?.labels, current.metadata?.labels) &&
        isSubset(want.metadata?.ownerReferences, current.metadata?.ownerReferences)
          ? undefined
          : {
              ...current,
              metadata: {
                ...current.metadata,
                labels: { ...current.metadata?.labels, ...want.metadata?.labels },
                ownerReferences: want.metadata?.ownerReferences ?? [],
              },
              spec: want.spec,
            },
    );
    return name;
  }

  /**
   * Deletes the BackupConfiguration's CronJob (and the trigger Jobs it owns), found by its invoker
   * labels: the name alone is not derivable here (it includes the namespace when the target lives
   * elsewhere). The RBAC stays with the BackupConfiguration, which owns it.
   */
  async remove(namespace: string, bcName: string): Promise<void> {
    const subject = `CronJob of BackupConfiguration ${namespace}/${bcName}`;
    let names: string[];
    try {
      const list = await this.#c.batch.listNamespacedCronJob({
        namespace,
        labelSelector: `${LABEL_INVOKER_TYPE}=BackupConfiguration,${LABEL_INVOKER_NAME}=${bcName}`,
      });
      names = list.items.map((cj) => cj.metadata?.name ?? '').filter(Boolean);
    } catch (e) {
      throw toStowageError(e, 'list', subject);
    }
    for (const name of names) {
      try {
        await this.#c.batch.deleteNamespacedCronJob({ namespace, name, propagationPolicy: 'Background' });
      } catch (e) {
        if (!isNotFound(e)) throw toStowageError(e, 'delete', `CronJob ${namespace}/${name}`);
      }
    }
  }
}
