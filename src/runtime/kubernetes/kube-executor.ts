/**
 * The Kubernetes Executor: a session's steps become a batch/v1 Job (job-manifest.ts), with the
 * interim PVC and the RBAC its pod needs, all owned by the session. The job controller and the
 * kubelet do the running; state() reads the outcome back from the Job and its pods.
 */
import type { V1Job, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { apiVersionOf, kinds, type KindName } from '../../api/index.ts';
import type { Executor, JobSpec, JobState } from '../../controllers/store.ts';
import { StowageError } from '../../errors.ts';
import { applyObject } from './apply-object.ts';
import { applyRbac } from './apply-rbac.ts';
import { jobManifests } from './job-manifest.ts';
import { controllerRef, crossNamespaceRepositoryRbac } from './rbac-manifests.ts';
import { jobState } from './job-state.ts';
import type { KubeClients } from './kube-client.ts';
import { isConflict, isNotFound, toStowageError } from './kube-errors.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';

export interface JobExecutorOptions {
  clients: KubeClients;
  fieldManager?: string;
}

export class JobExecutor implements Executor {
  readonly #c: KubeClients;
  readonly #fieldManager: string;

  constructor(o: JobExecutorOptions) {
    this.#c = o.clients;
    this.#fieldManager = o.fieldManager ?? 'stowage';
  }

  async ensure(job: JobSpec): Promise<void> {
    const ns = job.namespace;
    const subject = `Job ${ns}/${job.name}`;
    if (await this.#readJob(ns, job.name)) return;
    const ownerUid = job.owner.uid ?? (await this.#sessionUid(job));
    const m = jobManifests(job, { ownerUid });
    await applyRbac(this.#c, m.rbac, this.#fieldManager);
    const repo = job.repository;
    if (repo && repo.namespace !== ns) {
      // Bound to this Job's ServiceAccount, which goes with the session: the grant is inert after.
      await applyRbac(
        this.#c,
        crossNamespaceRepositoryRbac({
          name: `stash-repo-${ns}-${job.name}`.slice(0, 253),
          repository: repo,
          subject: { namespace: ns, name: m.job.spec?.template.spec?.serviceAccountName ?? job.name },
          owner: controllerRef({
            apiVersion: apiVersionOf(kinds.Repository),
            kind: 'Repository',
            name: repo.name,
            uid: await this.#uidOf('Repository', repo.namespace, repo.name),
          }),
          labels: m.job.metadata?.labels ?? {},
        }),
        this.#fieldManager,
      );
    }
    const pvc = m.pvc;
    if (pvc) {
      const name = pvc.metadata?.name ?? '';
      // Created once and left alone: a bound claim's spec is immutable.
      await applyObject<V1PersistentVolumeClaim>(`PersistentVolumeClaim ${ns}/${name}`, pvc, {
        create: (body) =>
          this.#c.core.createNamespacedPersistentVolumeClaim({
            namespace: ns,
            body,
            fieldManager: this.#fieldManager,
          }),
        read: () => this.#c.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name }),
        replace: (body) => this.#c.core.replaceNamespacedPersistentVolumeClaim({ namespace: ns, name, body }),
      });
    }
    try {
      await this.#c.batch.createNamespacedJob({
        namespace: ns,
        body: m.job,
        fieldManager: this.#fieldManager,
      });
    } catch (e) {
      if (isConflict(e)) return; // created by a concurrent reconcile: same name, same session
      throw toStowageError(e, 'create', subject);
    }
  }

  async state(namespace: string, name: string): Promise<JobState | undefined> {
    const job = await this.#readJob(namespace, name);
    if (!job) return undefined;
    const complete = (job.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
    return jobState(job, complete ? [] : await this.#podsOf(job));
  }

  async delete(namespace: string, name: string): Promise<void> {
    try {
      // Background: the Job goes now; the garbage collector stops and removes its pods.
      await this.#c.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
    } catch (e) {
      if (!isNotFound(e)) throw toStowageError(e, 'delete', `Job ${namespace}/${name}`);
    }
  }

  async #readJob(namespace: string, name: string): Promise<V1Job | undefined> {
    try {
      return await this.#c.batch.readNamespacedJob({ namespace, name });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw toStowageError(e, 'get', `Job ${namespace}/${name}`);
    }
  }

  /** The Job's pods by the controller-uid label the job controller sets (not by name: a Job of the same name may have existed before). */
  async #podsOf(job: V1Job): Promise<V1Pod[]> {
    const ns = job.metadata?.namespace ?? DEFAULT_NAMESPACE;
    const uid = job.metadata?.uid;
    if (!uid) return [];
    try {
      const list = await this.#c.core.listNamespacedPod({
        namespace: ns,
        labelSelector: `batch.kubernetes.io/controller-uid=${uid}`,
      });
      return list.items;
    } catch (e) {
      throw toStowageError(e, 'list', `pods of Job ${ns}/${job.metadata?.name ?? ''}`);
    }
  }

  /** An ownerReference needs the owner's uid; controllers normally pass the session's, else it is read. */
  #sessionUid(job: JobSpec): Promise<string> {
    return this.#uidOf(job.owner.kind, job.namespace, job.owner.name);
  }

  async #uidOf(kind: KindName, namespace: string, name: string): Promise<string> {
    const info = kinds[kind];
    let obj: { metadata?: { uid?: string } } | undefined;
    try {
      obj = (await this.#c.custom.getNamespacedCustomObject({
        group: info.group,
        version: info.version,
        plural: info.plural,
        namespace,
        name,
      })) as { metadata?: { uid?: string } };
    } catch (e) {
      throw toStowageError(e, 'get', `${kind} ${namespace}/${name}`);
    }
    const uid = obj?.metadata?.uid;
    if (!uid) throw new StowageError('NOT_FOUND', `${kind} ${namespace}/${name} has no uid`);
    return uid;
  }
}
