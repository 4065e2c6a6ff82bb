/**
 * Puts an RbacSet in place: the ServiceAccount is created when missing (never replaced: the token
 * controller and users annotate it), the Role's rules and the RoleBinding's subjects are kept as
 * we want them. The Role goes first: a binding to a missing Role grants nothing, and the API
 * server only lets us grant what we hold ourselves.
 */
import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { applyObject, isSubset, type ObjectOps } from './apply-object.ts';
import type { KubeClients } from './kube-client.ts';
import type { RbacSet } from './rbac-manifests.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';

/** Where one object of the set lives, and who writes it. */
interface Target {
  c: KubeClients;
  namespace: string;
  name: string;
  fieldManager: string;
}

const serviceAccountOps = ({ c, namespace, name, fieldManager }: Target): ObjectOps<V1ServiceAccount> => ({
  create: (body) => c.core.createNamespacedServiceAccount({ namespace, body, fieldManager }),
  read: () => c.core.readNamespacedServiceAccount({ namespace, name }),
  replace: (body) => c.core.replaceNamespacedServiceAccount({ namespace, name, body }),
});

const roleOps = ({ c, namespace, name, fieldManager }: Target): ObjectOps<V1Role> => ({
  create: (body) => c.rbac.createNamespacedRole({ namespace, body, fieldManager }),
  read: () => c.rbac.readNamespacedRole({ namespace, name }),
  replace: (body) => c.rbac.replaceNamespacedRole({ namespace, name, body, fieldManager }),
});

const roleBindingOps = ({ c, namespace, name, fieldManager }: Target): ObjectOps<V1RoleBinding> => ({
  create: (body) => c.rbac.createNamespacedRoleBinding({ namespace, body, fieldManager }),
  read: () => c.rbac.readNamespacedRoleBinding({ namespace, name }),
  replace: (body) => c.rbac.replaceNamespacedRoleBinding({ namespace, name, body, fieldManager }),
});

/** A merge that keeps `field` as we want it and leaves the rest of the object as it is. */
const keep =
  <T, K extends keyof T>(field: K) =>
  (current: T, want: T): T | undefined =>
    isSubset(want[field], current[field]) ? undefined : { ...current, [field]: want[field] };

export async function applyRbac(c: KubeClients, rbac: RbacSet, fieldManager: string): Promise<void> {
  const namespace = rbac.role.metadata?.namespace ?? DEFAULT_NAMESPACE;
  const name = rbac.role.metadata?.name ?? '';
  const sa = rbac.serviceAccount;
  if (sa) {
    const saName = sa.metadata?.name ?? '';
    const ops = serviceAccountOps({ c, namespace, name: saName, fieldManager });
    await applyObject(`ServiceAccount ${namespace}/${saName}`, sa, ops);
  }
  const target = { c, namespace, name, fieldManager };
  await applyObject(`Role ${namespace}/${name}`, rbac.role, roleOps(target), keep('rules'));
  await applyObject(
    `RoleBinding ${namespace}/${name}`,
    rbac.roleBinding,
    roleBindingOps(target),
    keep('subjects'),
  );
}
