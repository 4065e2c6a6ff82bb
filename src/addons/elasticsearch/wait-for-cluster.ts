/**
 * The Elasticsearch/OpenSearch addon's readiness wait (../wait-ready.ts): `GET /_cluster/health`
 * until the cluster is yellow — every primary assigned, which is all a dump or a load needs. A
 * refused login or an untrusted certificate stops the wait at once; anything else is waited out
 * until the step's waitTimeout.
 */
import type { Logger } from 'pino';
import { StowageError, errorMessage } from '../../errors.ts';
import { waitUntilReady } from '../wait-ready.ts';
import type { SearchConnection } from './connection.ts';
import { untrustedCertificateCode } from './failure-text.ts';
import { SearchClient, SearchHttpError } from './http-client.ts';

export async function waitForCluster(
  conn: SearchConnection,
  timeoutSeconds: number,
  signal: AbortSignal | undefined,
  log: Logger | undefined,
): Promise<void> {
  const client = new SearchClient(conn, { connections: 1, timeoutMs: 15_000 });
  try {
    await waitUntilReady({
      timeoutSeconds,
      signal,
      probe: async () => {
        await client.request('GET', '/_cluster/health', undefined, {
          query: { wait_for_status: 'yellow', timeout: '5s' },
          ...(signal ? { signal } : {}),
        });
      },
      fatal: (err) => refusal(conn, err),
      notReady: (last) =>
        new StowageError(
          'DATABASE_NOT_READY',
          `The cluster at ${conn.url} was not ready (yellow) within ${timeoutSeconds}s (last error: ${errorMessage(last)}). Check that it runs and the AppBinding points at it, or raise waitTimeout.`,
          { cause: last },
        ),
      onWaiting: (attempt, err) =>
        log?.debug({ url: conn.url, attempt, err: errorMessage(err) }, 'waiting for the cluster'),
      onReady: (attempt) => log?.debug({ url: conn.url, attempt }, 'cluster is ready'),
    });
  } finally {
    await client.close();
  }
}

/** The error to stop waiting with: a refused login or an untrusted certificate. */
function refusal(conn: SearchConnection, err: unknown): StowageError | undefined {
  if (err instanceof SearchHttpError && (err.status === 401 || err.status === 403)) {
    const who = conn.username === undefined ? 'anonymous access' : `user "${conn.username}"`;
    return new StowageError(
      'DATABASE_AUTH_FAILED',
      `${conn.url} refused ${who} (HTTP ${err.status}). Check the AppBinding's Secret (username/password or ADMIN_USERNAME/ADMIN_PASSWORD).`,
      { cause: err },
    );
  }
  const code = untrustedCertificateCode(err);
  if (!code) return undefined;
  return new StowageError(
    'DATABASE_TLS_FAILED',
    `${conn.url}: the server's certificate is not trusted (${code}). Put the CA that signed it into the AppBinding's spec.clientConfig.caBundle; verification is never switched off.`,
    { cause: err },
  );
}
