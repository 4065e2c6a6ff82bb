/**
 * Where an AppBinding points (stash-spec §1.10): its URL, its host name, and the group/resource
 * of `spec.type`. Pure functions; the addons turn the URL into their own connection settings.
 */
import type { AppBinding } from '../api/index.ts';
import { ValidationError } from '../errors.ts';

type ClientConfig = AppBinding['spec']['clientConfig'];

/**
 * `clientConfig.url` when set; otherwise `<scheme>://<svc>.<ns>.svc:<port><path>?<query>`, where the
 * namespace defaults to the AppBinding's. Parts that are not set are left out (no scheme ⇒ no
 * `scheme://`, no port ⇒ no `:port`, empty query ⇒ no `?`), as the AppBinding API describes them.
 */
export function appBindingUrl(ab: Pick<AppBinding, 'metadata' | 'spec'>): string {
  const cc: ClientConfig = ab.spec.clientConfig;
  if (cc.url) return cc.url;
  const svc = cc.service;
  if (!svc) {
    throw new ValidationError(`AppBinding/${ab.metadata.name ?? '<no name>'}`, [
      { path: 'spec.clientConfig', message: 'either url or service must be set' },
    ]);
  }
  const scheme = svc.scheme ? `${svc.scheme}://` : '';
  const port = svc.port !== undefined ? `:${svc.port}` : '';
  const query = svc.query ? `?${svc.query}` : '';
  return `${scheme}${serviceHost(ab)}${port}${svc.path ?? ''}${query}`;
}

/** `<svc>.<ns>.svc` for a service reference; the URL's host name otherwise. */
export function appBindingHostname(ab: Pick<AppBinding, 'metadata' | 'spec'>): string {
  if (!ab.spec.clientConfig.url && ab.spec.clientConfig.service) return serviceHost(ab);
  const url = appBindingUrl(ab);
  const parsed = URL.parse(url.includes('://') ? url : `scheme://${url}`);
  if (!parsed?.hostname) {
    throw new ValidationError(`AppBinding/${ab.metadata.name ?? '<no name>'}`, [
      { path: 'spec.clientConfig.url', message: `"${url}" has no host name` },
    ]);
  }
  // IPv6 literals come back bracketed; callers want the address itself.
  return parsed.hostname.replace(/^\[(.*)\]$/, '$1');
}

function serviceHost(ab: Pick<AppBinding, 'metadata' | 'spec'>): string {
  const svc = ab.spec.clientConfig.service!;
  const ns = svc.namespace || ab.metadata.namespace || 'default';
  return `${svc.name}.${ns}.svc`;
}

export interface AppGroupResource {
  /** e.g. `kubedb.com`; empty when `spec.type` has no `/`. */
  group: string;
  /** e.g. `postgres`, `elasticsearch`. */
  resource: string;
}

/** Splits `spec.type` (e.g. `kubedb.com/postgres`) at the last `/`. */
export function appGroupResource(type: string | undefined): AppGroupResource {
  const t = type ?? '';
  const i = t.lastIndexOf('/');
  return i < 0 ? { group: '', resource: t } : { group: t.slice(0, i), resource: t.slice(i + 1) };
}
