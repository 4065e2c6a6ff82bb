/**
 * What every addon's connection reads from its target the same way: its address as a URL (a
 * service reference has no scheme: the addon's default is put in front), its CA bundle, the
 * user and password under the first of several Secret key names, and the 0600 files the dump and load
 * tools read secrets from (never argv, never a log line).
 */
import { chmod, writeFile } from 'node:fs/promises';
import type { AppBinding } from '../api/index.ts';
import { ValidationError } from '../errors.ts';
import { appBindingSubject, appBindingUrl } from './app-binding-url.ts';

type Binding = Pick<AppBinding, 'metadata' | 'spec'>;

/**
 * The AppBinding's address as a URL, `defaultScheme` put in front of one without a scheme; throws
 * a ValidationError naming `spec.clientConfig` ("… is not <what>") when it has no host name or
 * `usable` refuses it.
 */
export function appBindingAddress(
  ab: Binding,
  defaultScheme: string,
  what: string,
  usable: (url: URL) => boolean = () => true,
): URL {
  const raw = appBindingUrl(ab);
  const url = URL.parse(raw.includes('://') ? raw : `${defaultScheme}://${raw}`);
  if (!url || !url.hostname || !usable(url)) {
    throw new ValidationError(appBindingSubject(ab), [
      { path: 'spec.clientConfig', message: `"${raw}" is not ${what}` },
    ]);
  }
  return url;
}

/** The PEM text of `clientConfig.caBundle` (base64 in the API), if set. */
export function appBindingCa(ab: Binding): string | undefined {
  const bundle = ab.spec.clientConfig.caBundle;
  return bundle ? Buffer.from(bundle, 'base64').toString('utf8') : undefined;
}

/** The Secret keys a user name and a password may stand under, the preferred one first. */
export interface CredentialKeys {
  user: readonly string[];
  password: readonly string[];
}

/** The user and password under the first of their keys that is set, else the URL's own. */
export function credentialsOf(
  values: Record<string, string>,
  url: URL,
  keys: CredentialKeys,
): { user: string | undefined; password: string | undefined } {
  return {
    user: firstSet(values, keys.user) ?? urlCredential(url.username),
    password: firstSet(values, keys.password) ?? urlCredential(url.password),
  };
}

function firstSet(values: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const k of keys) if (values[k] !== undefined && values[k] !== '') return values[k];
  return undefined;
}

function urlCredential(part: string): string | undefined {
  return part ? decodeURIComponent(part) : undefined;
}

/** Writes `text` to `path` readable by its owner only, also when the file existed before. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600); // the mode above only applies when the file is new
}
