/**
 * Names every layer shares: the default namespace and the label keys Stash and KubeDB put on
 * objects (Kubernetes calls these well-known labels). Kept free of zod so that the in-job steps
 * and the CLI can read them without loading the schemas.
 */
/** The namespace of an object that names none (as kubectl and the API server assume). */
export const DEFAULT_NAMESPACE = 'default';

interface Named {
  metadata: { name?: string | undefined; namespace?: string | undefined };
}

/** An object's namespace, `default` when it names none. */
export function namespaceOf(o: Named): string {
  return o.metadata.namespace || DEFAULT_NAMESPACE;
}

/** An object's name ('' before the API server has named a generateName object). */
export function nameOf(o: Named): string {
  return o.metadata.name ?? '';
}

/** Label keys and values Stash and KubeDB put on objects; nothing else spells them. */
export const LABEL_INVOKER_TYPE = 'stash.appscode.com/invoker-type';
export const LABEL_INVOKER_NAME = 'stash.appscode.com/invoker-name';
export const LABEL_TARGET_KIND = 'stash.appscode.com/target-kind';
export const LABEL_TARGET_NAME = 'stash.appscode.com/target-name';
export const LABEL_TARGET_NAMESPACE = 'stash.appscode.com/target-namespace';
/** Finds a session's Job (and its pods, through the pod template). */
export const LABEL_SESSION = 'stash.appscode.com/session';
/** Stash's operator deletes the trigger's Jobs once they succeed; history limits do it here. */
export const LABEL_DELETE_JOB_ON_COMPLETION = 'stash.appscode.com/delete-job-on-completion';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_APP_NAME = 'app.kubernetes.io/name';
export const LABEL_APP_INSTANCE = 'app.kubernetes.io/instance';
export const MANAGED_BY_STASH = 'stash.appscode.com';
export const MANAGED_BY_KUBEDB = 'kubedb.com';
