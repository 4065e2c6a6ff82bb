/**
 * How the Elasticsearch/OpenSearch addon reaches its cluster: the URL from the AppBinding, the user
 * and password from its (transformed) Secret — `username`/`password`, else `ADMIN_USERNAME`/
 * `ADMIN_PASSWORD` as Stash reads them — and the CA from `clientConfig.caBundle`. TLS is always
 * verified: against that CA when given, else against the system's roots.
 *
 * The dump and load run as child programs of restic (./dump-command.ts, ./load-command.ts); they
 * get the connection through their environment (`connectionEnv`) and the CA as a 0600 file, so the
 * password never reaches argv or a log line.
 */
import { join } from 'node:path';
import type { AddonTarget } from '../addon.ts';
import { appBindingSubject } from '../app-binding-url.ts';
import { appBindingAddress, appBindingCa, credentialsOf, writePrivateFile } from '../connection-parts.ts';
import { ValidationError } from '../../errors.ts';

export interface SearchConnection {
  /** Base URL without credentials and without a trailing slash, e.g. `https://es.demo.svc:9200`. */
  url: string;
  username: string | undefined;
  password: string | undefined;
  /** PEM CA bundle to verify the server with. */
  caPem: string | undefined;
}

/** KubeDB's key names, then the ones Stash's Elasticsearch addon reads. */
const KEYS = { user: ['username', 'ADMIN_USERNAME'], password: ['password', 'ADMIN_PASSWORD'] };

export function searchConnection(target: Pick<AddonTarget, 'appBinding' | 'credentials'>): SearchConnection {
  const ab = target.appBinding;
  // A service reference without a scheme yields `host:port`; KubeDB's are `http` or `https`.
  const url = appBindingAddress(
    ab,
    'http',
    'an http(s) address of an Elasticsearch cluster',
    (u) => u.protocol === 'http:' || u.protocol === 'https:',
  );
  const { user: username, password } = credentialsOf(target.credentials, url, KEYS);
  if (username !== undefined && password === undefined) {
    throw new ValidationError(appBindingSubject(ab), [
      {
        path: 'spec.secret',
        message: 'the Secret has a user name but no "password" (or "ADMIN_PASSWORD") key',
      },
    ]);
  }
  url.username = '';
  url.password = '';
  return { url: url.toString().replace(/\/+$/, ''), username, password, caPem: appBindingCa(ab) };
}

/** Environment names the dump/load programs read their connection from. */
export const CONNECTION_ENV = {
  url: 'STOWAGE_ES_URL',
  username: 'STOWAGE_ES_USERNAME',
  password: 'STOWAGE_ES_PASSWORD',
  caFile: 'STOWAGE_ES_CA_FILE',
} as const;

/** Writes the CA (if any) as a 0600 file in `scratchDir` and returns the child's environment. */
export async function connectionEnv(
  conn: SearchConnection,
  scratchDir: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { [CONNECTION_ENV.url]: conn.url };
  if (conn.username !== undefined) env[CONNECTION_ENV.username] = conn.username;
  if (conn.password !== undefined) env[CONNECTION_ENV.password] = conn.password;
  if (conn.caPem) {
    const file = join(scratchDir, 'elasticsearch-ca.pem');
    await writePrivateFile(file, conn.caPem);
    env[CONNECTION_ENV.caFile] = file;
  }
  return env;
}

/** The inverse of `connectionEnv`, in the child program. */
export async function connectionFromEnv(env: NodeJS.ProcessEnv): Promise<SearchConnection> {
  const url = env[CONNECTION_ENV.url];
  if (!url) throw new ValidationError('environment', [{ path: CONNECTION_ENV.url, message: 'is required' }]);
  const caFile = env[CONNECTION_ENV.caFile];
  const { readFile } = await import('node:fs/promises');
  return {
    url,
    username: env[CONNECTION_ENV.username] || undefined,
    password: env[CONNECTION_ENV.password] || undefined,
    caPem: caFile ? await readFile(caFile, 'utf8') : undefined,
  };
}
