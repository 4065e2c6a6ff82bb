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
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddonTarget } from '../addon.ts';
import { appBindingUrl } from '../app-binding-url.ts';
import { ValidationError } from '../../errors.ts';

export interface SearchConnection {
  /** Base URL without credentials and without a trailing slash, e.g. `https://es.demo.svc:9200`. */
  url: string;
  username: string | undefined;
  password: string | undefined;
  /** PEM CA bundle to verify the server with. */
  caPem: string | undefined;
}

const USER_KEYS = ['username', 'ADMIN_USERNAME'] as const;
const PASSWORD_KEYS = ['password', 'ADMIN_PASSWORD'] as const;

function pick(values: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const k of keys) if (values[k] !== undefined && values[k] !== '') return values[k];
  return undefined;
}

export function searchConnection(target: Pick<AddonTarget, 'appBinding' | 'credentials'>): SearchConnection {
  const ab = target.appBinding;
  const subject = `AppBinding/${ab.metadata.namespace ? `${ab.metadata.namespace}/` : ''}${ab.metadata.name ?? '<no name>'}`;
  const raw = appBindingUrl(ab);
  // A service reference without a scheme yields `host:port`; KubeDB's are `http` or `https`.
  const url = URL.parse(raw.includes('://') ? raw : `http://${raw}`);
  if (!url || !url.hostname || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ValidationError(subject, [
      {
        path: 'spec.clientConfig',
        message: `"${raw}" is not an http(s) address of an Elasticsearch cluster`,
      },
    ]);
  }
  const username =
    pick(target.credentials, USER_KEYS) ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password =
    pick(target.credentials, PASSWORD_KEYS) ?? (url.password ? decodeURIComponent(url.password) : undefined);
  if (username !== undefined && password === undefined) {
    throw new ValidationError(subject, [
      {
        path: 'spec.secret',
        message: 'the Secret has a user name but no "password" (or "ADMIN_PASSWORD") key',
      },
    ]);
  }
  url.username = '';
  url.password = '';
  const caPem = ab.spec.clientConfig.caBundle
    ? Buffer.from(ab.spec.clientConfig.caBundle, 'base64').toString('utf8')
    : undefined;
  return { url: url.toString().replace(/\/+$/, ''), username, password, caPem };
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
    await writeFile(file, conn.caPem, { mode: 0o600 });
    await chmod(file, 0o600);
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
