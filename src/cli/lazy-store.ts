/**
 * A Store that opens the real one on first use. The Kubernetes client library is large; a
 * command that never touches the store (or runs on the standalone state) should not load it.
 */
import type { KindName, ObjectOf } from '../api/index.ts';
import type { ListOptions, Store, StowageEvent } from '../controllers/store.ts';

export function lazyStore(open: () => Promise<Store>): Store {
  let opened: Promise<Store> | undefined;
  const store = () => (opened ??= open());
  return {
    get: async <K extends KindName>(kind: K, namespace: string, name: string) =>
      (await store()).get(kind, namespace, name),
    list: async <K extends KindName>(kind: K, options?: ListOptions) => (await store()).list(kind, options),
    create: async <K extends KindName>(obj: ObjectOf<K>) => (await store()).create(obj),
    update: async <K extends KindName>(obj: ObjectOf<K>) => (await store()).update(obj),
    updateStatus: async <K extends KindName>(
      kind: K,
      namespace: string,
      name: string,
      mutate: (current: ObjectOf<K>) => ObjectOf<K>['status' & keyof ObjectOf<K>] | undefined,
    ) => (await store()).updateStatus(kind, namespace, name, mutate),
    delete: async (kind: KindName, namespace: string, name: string) =>
      (await store()).delete(kind, namespace, name),
    recordEvent: async (event: StowageEvent) => (await store()).recordEvent(event),
    namespaceLabels: async (namespace: string) => (await store()).namespaceLabels(namespace),
    listEvents: async (involved: { kind: string; namespace: string; name: string }) =>
      (await store()).listEvents(involved),
  };
}
