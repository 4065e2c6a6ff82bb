/**
 * Puts an RbacSet in place: the ServiceAccount is created when missing (never replaced: the token
 * controller and users annotate it), the Role's rules and the RoleBinding's subjects are kept as
 * we want them. The Role goes first: a binding to a missing Role grants nothing, and the API
 * server only lets us grant what we hold ourselves.
 */
import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { applyObject, isSubset } from './apply-object.ts';
import type { KubeClients } from './kube-client.ts';
import type { RbacSet } from './rbac-manifests.ts';
import { DEFAULT_NAMESPACE } from '../../api/well-known.ts';

export async function applyRbac(c: KubeClients, rbac: RbacSet, fieldManager: string): Promise<void> {
  const ns = rbac.role.metadata?.namespace ?? DEFAULT_NAMESPACE;
  const name = rbac.role.metadata?.name ?? '';
  const sa = rbac.serviceAccount;
  if (sa) {
    await applyObject<V1ServiceAccount>(`ServiceAccount ${ns}/${sa.metadata?.name ?? ''}`, sa, {
      create: (body) => c.core.createNamespacedServiceAccount({ namespace: ns, body, fieldManager }),
      read: () => c.core.readNamespacedServiceAccount({ namespace: ns, name: sa.metadata?.name ?? '' }),
      replace: (body) =>
        c.core.replaceNamespacedServiceAccount({ namespace: ns, name: sa.metadata?.name ?? '', body }),
    });
  }
  await applyObject<V1Role>(
    `Role ${ns}/${name}`,
    rbac.role,
    {
      create: (body) => c.rbac.createNamespacedRole({ namespace: ns, body, fieldManager }),
      read: () => c.rbac.readNamespacedRole({ namespace: ns, name }),
      replace: (body) => c.rbac.replaceNamespacedRole({ namespace: ns, name, body, fieldManager }),
    },
    (current, want) => (isSubset(want.rules, current.rules) ? undefined : { ...current, rules: want.rules }),
  );
  await applyObject<V1RoleBinding>(
    `RoleBinding ${ns}/${name}`,
    rbac.roleBinding,
    {
      create: (body) => c.rbac.createNamespacedRoleBinding({ namespace: ns, body, fieldManager }),
      read: () => c.rbac.readNamespacedRoleBinding({ namespace: ns, name }),
      replace: (body) => c.rbac.replaceNamespacedRoleBinding({ namespace: ns, name, body, fieldManager }),
    },
    (current, want) =>
      isSubset(want.subjects, current.subjects) ? undefined : { ...current, subjects: want.subjects },
  );
}
