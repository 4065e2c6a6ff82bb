/**
 * Where an AppBinding points (stash-spec §1.10): its URL. Pure; the addons turn the URL into their
 * own connection settings (./connection-parts.ts).
 */
import type { AppBinding } from '../api/index.ts';
import { namespaceOf } from '../api/well-known.ts';
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
    throw new ValidationError(appBindingSubject(ab), [
      { path: 'spec.clientConfig', message: 'either url or service must be set' },
    ]);
  }
  const scheme = svc.scheme ? `${svc.scheme}://` : '';
  const port = svc.port !== undefined ? `:${svc.port}` : '';
  const query = svc.query ? `?${svc.query}` : '';
  return `${scheme}${serviceHost(ab)}${port}${svc.path ?? ''}${query}`;
}

function serviceHost(ab: Pick<AppBinding, 'metadata' | 'spec'>): string {
  const svc = ab.spec.clientConfig.service!;
  return `${svc.name}.${svc.namespace || namespaceOf(ab)}.svc`;
}

/** `AppBinding/<ns>/<name>`, the subject of a ValidationError about it. */
export function appBindingSubject(ab: Pick<AppBinding, 'metadata'>): string {
  const ns = ab.metadata.namespace ? `${ab.metadata.namespace}/` : '';
  return `AppBinding/${ns}${ab.metadata.name ?? '<no name>'}`;
}
