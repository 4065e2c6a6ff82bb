/**
 * The Store over a real API server: Stash kinds through the custom-object API (group, version,
 * plural and scope from api/kinds.ts), Secrets through core/v1. Objects come back exactly as the
 * server wrote them (no zod pass on reads: its objectMeta would drop managedFields and other
 * server fields, and an update must not lose what a read returned). Writes are validated with the
 * same schemas LocalStore uses, so bad input fails with the same field paths on both runtimes, but
 * the object sent is the caller's, untouched — the CRDs' own defaults apply on the server.
 *
 * Semantics mirror LocalStore: get → undefined when absent; create → ALREADY_EXISTS; update →
 * CONFLICT on a stale resourceVersion; updateStatus is a read-modify-write of the status
 * subresource retried on conflicts; delete lets the garbage collector remove owned objects.
 */
import { randomInt } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import {
  kinds,
  parseObject,
  type KindInfo,
  type KindName,
  type ObjectOf,
  type StatusOf,
} from '../../api/index.ts';
import type { ListOptions, Store, StowageEvent } from '../../controllers/store.ts';
import { StowageError } from '../../errors.ts';
import { eventManifest, eventTimeKey, fromEventManifest } from './event-manifest.ts';
import type { KubeClients } from './kube-client.ts';
import { isConflict, isNotFound, toStowageError } from './kube-errors.ts';
import { toPlain } from './plain-object.ts';
import { DEFAULT_NAMESPACE, namespaceOf } from '../../api/well-known.ts';

export interface KubeStoreOptions {
  clients: KubeClients;
  /** Recorded in managedFields for every write. */
  fieldManager?: string;
  /** How often updateStatus re-reads and retries after a 409 before giving up with CONFLICT. */
  statusRetries?: number;
  now?: () => Date;
}

type Raw = Record<string, unknown> & { metadata?: Record<string, unknown> };

const labelSelector = (labels: Record<string, string> | undefined): string | undefined =>
  labels && Object.keys(labels).length
    ? Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : undefined;

export class KubeStore implements Store {
  readonly #c: KubeClients;
  readonly #fieldManager: string;
  readonly #statusRetries: number;
  readonly #now: () => Date;

  constructor(o: KubeStoreOptions) {
    this.#c = o.clients;
    this.#fieldManager = o.fieldManager ?? 'stowage';
    this.#statusRetries = o.statusRetries ?? 5;
    this.#now = o.now ?? (() => new Date());
  }

  async get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    try {
      return await this.#read(kind, namespace, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw toStowageError(e, 'get', subject(kind, namespace, name));
    }
  }

  async list<K extends KindName>(kind: K, options: ListOptions = {}): Promise<ObjectOf<K>[]> {
    const info: KindInfo = kinds[kind];
    const selector = labelSelector(options.labels);
    const ns = options.namespace;
    try {
      let items: unknown[];
      if (kind === 'Secret') {
        const list =
          ns === undefined
            ? await this.#c.core.listSecretForAllNamespaces(selector ? { labelSelector: selector } : {})
            : await this.#c.core.listNamespacedSecret({
                namespace: ns,
                ...(selector ? { labelSelector: selector } : {}),
              });
        items = list.items.map((s) => secretOut(s));
      } else {
        const g = { group: info.group, version: info.version };
        const sel = selector ? { labelSelector: selector } : {};
        const list = (
          info.scope === 'Cluster'
            ? await this.#c.custom.listClusterCustomObject({ ...g, plural: info.plural, ...sel })
            : ns === undefined
              ? await this.#c.custom.listCustomObjectForAllNamespaces({
                  ...g,
                  resourcePlural: info.plural,
                  ...sel,
                })
              : await this.#c.custom.listNamespacedCustomObject({
                  ...g,
                  namespace: ns,
                  plural: info.plural,
                  ...sel,
                })
        ) as { items?: Raw[] };
        items = (list.items ?? []).map((o) => withTypeMeta(info, o));
      }
      return items as ObjectOf<K>[];
    } catch (e) {
      throw toStowageError(e, 'list', `${info.plural}${ns ? ` in namespace ${ns}` : ''}`);
    }
  }

  async create<K extends KindName>(obj: ObjectOf<K>): Promise<ObjectOf<K>> {
    parseObject(obj);
    const kind = obj.kind as K;
    const info: KindInfo = kinds[kind];
    const meta = obj.metadata;
    const ns = info.scope === 'Cluster' ? '' : (meta.namespace ?? DEFAULT_NAMESPACE);
    const body = structuredClone(obj) as unknown as Raw;
    if (info.scope !== 'Cluster') body.metadata = { ...body.metadata, namespace: ns };
    try {
      if (kind === 'Secret') {
        const created = await this.#c.core.createNamespacedSecret({
          namespace: ns,
          body: body as V1Secret,
          fieldManager: this.#fieldManager,
        });
        return secretOut(created) as ObjectOf<K>;
      }
      const g = { group: info.group, version: info.version, plural: info.plural, body };
      const created = (
        info.scope === 'Cluster'
          ? await this.#c.custom.createClusterCustomObject({ ...g, fieldManager: this.#fieldManager })
          : await this.#c.custom.createNamespacedCustomObject({
              ...g,
              namespace: ns,
              fieldManager: this.#fieldManager,
            })
      ) as Raw;
      return withTypeMeta(info, created) as ObjectOf<K>;
    } catch (e) {
      throw toStowageError(e, 'create', subject(kind, ns, meta.name ?? `${meta.generateName ?? ''}*`));
    }
  }

  async update<K extends KindName>(obj: ObjectOf<K>): Promise<ObjectOf<K>> {
    parseObject(obj);
    const kind = obj.kind as K;
    const info: KindInfo = kinds[kind];
    const ns = info.scope === 'Cluster' ? '' : namespaceOf(obj);
    const name = obj.metadata.name ?? '';
    const body = structuredClone(obj) as unknown as Raw;
    // Custom resources refuse an update without resourceVersion; LocalStore treats a missing one as
    // "last writer wins", so take the current one.
    if (!obj.metadata.resourceVersion) {
      const current = await this.get(kind, ns, name);
      if (!current) throw new StowageError('NOT_FOUND', `${subject(kind, ns, name)} not found`);
      body.metadata = { ...body.metadata, resourceVersion: current.metadata.resourceVersion };
    }
    try {
      return await this.#replace(kind, ns, name, body, 'main');
    } catch (e) {
      throw toStowageError(e, 'update', subject(kind, ns, name));
    }
  }

  async updateStatus<K extends KindName>(
    kind: K,
    namespace: string,
    name: string,
    mutate: (current: ObjectOf<K>) => StatusOf<K> | undefined,
  ): Promise<ObjectOf<K>> {
    const info: KindInfo = kinds[kind];
    if (!info.hasStatus)
      throw new StowageError('INVALID_INPUT', `${kind} has no status subresource; it cannot be updated`);
    const ns = info.scope === 'Cluster' ? '' : namespace;
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(kind, ns, name);
      if (!current) throw new StowageError('NOT_FOUND', `${subject(kind, ns, name)} not found`);
      const status = mutate(structuredClone(current));
      if (status === undefined) return current;
      if (JSON.stringify(status) === JSON.stringify((current as { status?: unknown }).status)) return current;
      const body = { ...(current as unknown as Raw), status };
      try {
        return await this.#replace(kind, ns, name, body, 'status');
      } catch (e) {
        // Someone wrote in between: re-read and re-apply the mutation to the fresh object.
        if (isConflict(e) && attempt < this.#statusRetries) continue;
        throw toStowageError(e, 'update', `${subject(kind, ns, name)} status`);
      }
    }
  }

  async delete(kind: KindName, namespace: string, name: string): Promise<boolean> {
    const info: KindInfo = kinds[kind];
    const ns = info.scope === 'Cluster' ? '' : namespace;
    // Background: the object goes now, the garbage collector then removes what it owns (Jobs, PVCs,
    // BackupSessions), as LocalStore does in the same call.
    const propagationPolicy = 'Background';
    try {
      if (kind === 'Secret') {
        await this.#c.core.deleteNamespacedSecret({ namespace: ns, name, propagationPolicy });
      } else if (info.scope === 'Cluster') {
        await this.#c.custom.deleteClusterCustomObject({
          group: info.group,
          version: info.version,
          plural: info.plural,
          name,
          propagationPolicy,
        });
      } else {
        await this.#c.custom.deleteNamespacedCustomObject({
          group: info.group,
          version: info.version,
          plural: info.plural,
          namespace: ns,
          name,
          propagationPolicy,
        });
      }
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw toStowageError(e, 'delete', subject(kind, ns, name));
    }
  }

  async namespaceLabels(namespace: string): Promise<Record<string, string> | undefined> {
    try {
      const ns = await this.#c.core.readNamespace({ name: namespace });
      return ns.metadata?.labels ?? {};
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw toStowageError(e, 'get', `Namespace ${namespace}`);
    }
  }

  async recordEvent(event: StowageEvent): Promise<void> {
    const o = event.involvedObject;
    const at = event.time ? new Date(event.time) : this.#now();
    // apiVersion and uid let `kubectl describe` and the events API tie the event to this very
    // object (not a later one of the same name). Best effort: an unreadable object still gets it.
    const known = (kinds as Record<string, KindInfo | undefined>)[o.kind];
    let uid: string | undefined;
    if (known) {
      const current = await this.get(o.kind as KindName, o.namespace, o.name).catch(() => undefined);
      uid = current?.metadata.uid;
    }
    const identity = {
      ...(known ? { apiVersion: known.group ? `${known.group}/${known.version}` : known.version } : {}),
      ...(uid ? { uid } : {}),
    };
    // Names carry the time in nanoseconds; the sub-millisecond part is random, so two processes
    // (operator and a Job's step) recording at the same millisecond rarely collide, and retry if so.
    for (let attempt = 0; ; attempt++) {
      const body = eventManifest(event, at, identity, randomInt(1_000_000));
      try {
        await this.#c.core.createNamespacedEvent({
          namespace: o.namespace,
          body,
          fieldManager: this.#fieldManager,
        });
        return;
      } catch (e) {
        if (isConflict(e) && attempt < 3) continue;
        throw toStowageError(e, 'create', `Event for ${o.kind} ${o.namespace}/${o.name}`);
      }
    }
  }

  async listEvents(involved: { kind: string; namespace: string; name: string }): Promise<StowageEvent[]> {
    try {
      const list = await this.#c.core.listNamespacedEvent({
        namespace: involved.namespace,
        fieldSelector: [
          `involvedObject.kind=${involved.kind}`,
          `involvedObject.name=${involved.name}`,
          `involvedObject.namespace=${involved.namespace}`,
        ].join(','),
      });
      return [...list.items]
        .sort((a, b) => eventTimeKey(a) - eventTimeKey(b))
        .map((e) => {
          const out = fromEventManifest(e);
          return { ...out, involvedObject: involved };
        });
    } catch (e) {
      throw toStowageError(e, 'list', `events of ${involved.kind} ${involved.namespace}/${involved.name}`);
    }
  }

  async #read<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K>> {
    const info: KindInfo = kinds[kind];
    if (kind === 'Secret')
      return secretOut(await this.#c.core.readNamespacedSecret({ namespace, name })) as ObjectOf<K>;
    const g = { group: info.group, version: info.version, plural: info.plural, name };
    const raw = (
      info.scope === 'Cluster'
        ? await this.#c.custom.getClusterCustomObject(g)
        : await this.#c.custom.getNamespacedCustomObject({ ...g, namespace })
    ) as Raw;
    return withTypeMeta(info, raw) as ObjectOf<K>;
  }

  /** PUT of the object or of its status subresource; errors are left to the caller to map. */
  async #replace<K extends KindName>(
    kind: K,
    ns: string,
    name: string,
    body: Raw,
    target: 'main' | 'status',
  ): Promise<ObjectOf<K>> {
    const info: KindInfo = kinds[kind];
    if (kind === 'Secret') {
      const out = await this.#c.core.replaceNamespacedSecret({
        namespace: ns,
        name,
        body: body as V1Secret,
        fieldManager: this.#fieldManager,
      });
      return secretOut(out) as ObjectOf<K>;
    }
    const g = {
      group: info.group,
      version: info.version,
      plural: info.plural,
      name,
      body,
      fieldManager: this.#fieldManager,
    };
    const c = this.#c.custom;
    const cluster = info.scope === 'Cluster';
    const out = (
      target === 'status'
        ? cluster
          ? await c.replaceClusterCustomObjectStatus(g)
          : await c.replaceNamespacedCustomObjectStatus({ ...g, namespace: ns })
        : cluster
          ? await c.replaceClusterCustomObject(g)
          : await c.replaceNamespacedCustomObject({ ...g, namespace: ns })
    ) as Raw;
    return withTypeMeta(info, out) as ObjectOf<K>;
  }
}

function subject(kind: string, namespace: string, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** List items of a custom resource carry apiVersion/kind, but be sure: controllers switch on kind. */
function withTypeMeta(info: KindInfo, raw: Raw): Raw {
  return {
    ...raw,
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    kind: info.kind,
  };
}

/** A typed Secret as the plain object shape the api schema describes (list items lack kind). */
function secretOut(s: V1Secret): Raw {
  return { ...toPlain<Raw>(s), apiVersion: 'v1', kind: 'Secret' };
}
