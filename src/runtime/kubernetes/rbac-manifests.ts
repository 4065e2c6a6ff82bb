/**
 * The ServiceAccount, Role and RoleBinding a CronJob's or a Job's pod runs as. Stash binds broad
 * ClusterRoles (`stash-cron-job`, `stash-backup-job`: all of stash.appscode.com, every Secret);
 * we grant, in the namespace only, what our in-pod commands call: that is what the rules below
 * list, and nothing else. The objects are owned like the pod's controller so the garbage collector
 * removes them with it.
 */
import type {
  V1OwnerReference,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';

const STASH = 'stash.appscode.com';
const APPCATALOG = 'appcatalog.appscode.com';

export interface RbacSet {
  /** Absent when runtimeSettings names an existing ServiceAccount: we bind it, never create it. */
  serviceAccount?: V1ServiceAccount;
  role: V1Role;
  roleBinding: V1RoleBinding;
}

/**
 * `create-backupsession`: read the BackupConfiguration, create the BackupSession, and record an
 * event (on failure).
 */
export function cronJobRules(bcName: string): V1PolicyRule[] {
  return [
    { apiGroups: [STASH], resources: ['backupconfigurations'], resourceNames: [bcName], verbs: ['get'] },
    { apiGroups: [STASH], resources: ['backupsessions'], verbs: ['create'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ];
}

/**
 * The backup/restore steps and `update-status`: read the invoker, Repository, AppBinding and the
 * Secrets they name; write the session's status (only this session: resourceNames) and the
 * Repository's status; record events. Tasks and Functions (cluster-scoped) are resolved by the
 * operator before the Job exists, so the pod needs no ClusterRole.
 */
export function jobRules(owner: { kind: 'BackupSession' | 'RestoreSession'; name: string }): V1PolicyRule[] {
  const session = owner.kind === 'BackupSession' ? 'backupsessions' : 'restoresessions';
  return [
    {
      apiGroups: [STASH],
      resources: [session, `${session}/status`],
      resourceNames: [owner.name],
      verbs: ['get', 'update', 'patch'],
    },
    { apiGroups: [STASH], resources: ['backupconfigurations'], verbs: ['get'] },
    { apiGroups: [STASH], resources: ['repositories'], verbs: ['get'] },
    { apiGroups: [STASH], resources: ['repositories/status'], verbs: ['get', 'update', 'patch'] },
    { apiGroups: [APPCATALOG], resources: ['appbindings'], verbs: ['get'] },
    // The repository's storage secret and the AppBinding's auth secret: their names are known to
    // the steps only, so any Secret of the namespace may be read (as Stash's ClusterRole allows).
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ];
}

export function rbacSet(o: {
  /** Name of the Role and RoleBinding (and of the ServiceAccount when we create it). */
  name: string;
  namespace: string;
  /** An existing ServiceAccount to bind instead of creating one named `name`. */
  serviceAccountName?: string;
  rules: V1PolicyRule[];
  owner: V1OwnerReference;
  labels: Record<string, string>;
}): RbacSet {
  const metadata = {
    name: o.name,
    namespace: o.namespace,
    labels: o.labels,
    ownerReferences: [o.owner],
  };
  const sa = o.serviceAccountName ?? o.name;
  return {
    ...(o.serviceAccountName
      ? {}
      : { serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...metadata } } }),
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { ...metadata },
      rules: o.rules,
    },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...metadata },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: o.name },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: o.namespace }],
    },
  };
}

/** The ownerReference that makes `owner` the controller of what we create for it. */
export function controllerRef(owner: {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}): V1OwnerReference {
  return { ...owner, controller: true, blockOwnerDeletion: true };
}

/**
 * A Job whose Repository is in another namespace (its usagePolicy allows the Job's namespace):
 * in the Repository's namespace, read that Repository and its storage Secret, update its status.
 * Namespaced owners cannot own objects across namespaces, so these are owned by the Repository
 * (removed with it) and deleted with the Job by the executor.
 */
export function crossNamespaceRepositoryRbac(o: {
  name: string;
  repository: { namespace: string; name: string; storageSecretName?: string };
  /** The Job's ServiceAccount. */
  subject: { namespace: string; name: string };
  owner: V1OwnerReference;
  labels: Record<string, string>;
}): RbacSet {
  const metadata = {
    name: o.name,
    namespace: o.repository.namespace,
    labels: o.labels,
    ownerReferences: [o.owner],
  };
  const repo = [o.repository.name];
  return {
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { ...metadata },
      rules: [
        { apiGroups: [STASH], resources: ['repositories'], resourceNames: repo, verbs: ['get'] },
        {
          apiGroups: [STASH],
          resources: ['repositories/status'],
          resourceNames: repo,
          verbs: ['get', 'update', 'patch'],
        },
        ...(o.repository.storageSecretName
          ? [
              {
                apiGroups: [''],
                resources: ['secrets'],
                resourceNames: [o.repository.storageSecretName],
                verbs: ['get'],
              },
            ]
          : []),
      ],
    },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...metadata },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: o.name },
      subjects: [{ kind: 'ServiceAccount', name: o.subject.name, namespace: o.subject.namespace }],
    },
  };
}
