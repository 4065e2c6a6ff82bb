/**
 * How the postgres addon reaches its server: host/port/database/TLS from the AppBinding URL, the
 * user and password from the (transformed) Secret. The password only ever lands in a 0600 pgpass
 * file in the scratch folder, named by PGPASSFILE: never argv, never a log line.
 */
import { join } from 'node:path';
import type { AddonTarget } from '../addon.ts';
import { appBindingSubject } from '../app-binding-url.ts';
import { appBindingAddress, appBindingCa, credentialsOf, writePrivateFile } from '../connection-parts.ts';
import { ValidationError } from '../../errors.ts';

export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The database named in the URL path, if any (KubeDB's AppBindings use `/`, i.e. none). */
  database: string | undefined;
  /** libpq sslmode from the URL query (`sslmode=disable`), if given. */
  sslMode: string | undefined;
  /** PEM CA bundle from clientConfig.caBundle, if given. */
  caBundle: string | undefined;
}

/** Key names KubeDB writes (`username`/`password`), then the image-style ones it used before. */
const KEYS = { user: ['username', 'POSTGRES_USER'], password: ['password', 'POSTGRES_PASSWORD'] };

export function postgresConnection(
  target: Pick<AddonTarget, 'appBinding' | 'credentials' | 'params'>,
): PostgresConnection {
  const ab = target.appBinding;
  // A service reference without a scheme yields `host:port/path`; libpq URLs need one.
  const url = appBindingAddress(ab, 'postgres', 'a usable PostgreSQL address');
  const given = credentialsOf(target.credentials, url, KEYS);
  const user = given.user ?? target.params.user ?? 'postgres';
  const password = given.password;
  if (password === undefined) {
    throw new ValidationError(appBindingSubject(ab), [
      {
        path: 'spec.secret',
        message: `the Secret has no "password" (or "POSTGRES_PASSWORD") key; add one, or a secretTransforms entry that renames yours`,
      },
    ]);
  }
  const dbPath = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 5432,
    user,
    password,
    database: dbPath || undefined,
    sslMode: url.searchParams.get('sslmode') ?? undefined,
    caBundle: appBindingCa(ab),
  };
}

/** pgpass fields escape `\` and `:` with a backslash. */
function pgpassField(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

/**
 * Writes the pgpass (and CA) files into `scratchDir` and returns the libpq environment for the
 * dump/load tools. libpq ignores a pgpass file that others can read, hence mode 0600.
 */
export async function libpqEnv(
  conn: PostgresConnection,
  scratchDir: string,
): Promise<Record<string, string>> {
  const passFile = join(scratchDir, 'pgpass');
  await writePrivateFile(passFile, `*:*:*:${pgpassField(conn.user)}:${pgpassField(conn.password)}\n`);
  const env: Record<string, string> = {
    PGHOST: conn.host,
    PGPORT: String(conn.port),
    PGUSER: conn.user,
    PGPASSFILE: passFile,
    PGCONNECT_TIMEOUT: '30',
    PGAPPNAME: 'stowage',
  };
  if (conn.sslMode) env.PGSSLMODE = conn.sslMode;
  if (conn.caBundle) {
    const caFile = join(scratchDir, 'ca.crt');
    await writePrivateFile(caFile, conn.caBundle);
    env.PGSSLROOTCERT = caFile;
  }
  return env;
}
