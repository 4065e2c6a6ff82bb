/**
 * The postgres addon's readiness wait (../wait-ready.ts): a `select 1` over node-postgres until the
 * server answers. A refused password stops the wait at once with DATABASE_AUTH_FAILED; anything
 * else is waited out until the step's waitTimeout.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { StowageError, errorMessage } from '../../errors.ts';
import { waitUntilReady } from '../wait-ready.ts';
import type { PostgresConnection } from './connection.ts';

/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification. */
const AUTH_FAILED = new Set(['28P01', '28000']);

export async function waitForPostgres(
  conn: PostgresConnection,
  timeoutSeconds: number,
  signal: AbortSignal | undefined,
  log: Logger | undefined,
): Promise<void> {
  const where = { host: conn.host, port: conn.port };
  await waitUntilReady({
    timeoutSeconds,
    signal,
    probe: () => selectOne(conn),
    fatal: (err) => authFailure(conn, err),
    notReady: (last) =>
      new StowageError(
        'DATABASE_NOT_READY',
        `PostgreSQL at ${conn.host}:${conn.port} did not accept connections within ${timeoutSeconds}s (last error: ${errorMessage(last)}). Check that the server runs and the AppBinding points at it, or raise waitTimeout.`,
        { cause: last },
      ),
    onWaiting: (attempt, err) =>
      log?.debug({ ...where, attempt, err: errorMessage(err) }, 'waiting for postgres'),
    onReady: (attempt) => log?.debug({ ...where, attempt }, 'postgres is ready'),
  });
}

function authFailure(conn: PostgresConnection, err: unknown): StowageError | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !AUTH_FAILED.has(code)) return undefined;
  return new StowageError(
    'DATABASE_AUTH_FAILED',
    `PostgreSQL at ${conn.host}:${conn.port} refused user "${conn.user}": ${errorMessage(err)}. Check the AppBinding's Secret.`,
    { cause: err },
  );
}

async function selectOne(conn: PostgresConnection): Promise<void> {
  const client = await connect(conn);
  try {
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

async function connect(conn: PostgresConnection): Promise<pg.Client> {
  // Loaded on first use: only the readiness probe needs a client, and a step process stays lean.
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database ?? 'postgres',
    connectionTimeoutMillis: 5_000,
    application_name: 'stowage',
    ssl: sslOption(conn),
  });
  client.on('error', () => {}); // a dropped idle connection must not crash the process
  await client.connect();
  return client;
}

function sslOption(conn: PostgresConnection): pg.ClientConfig['ssl'] {
  switch (conn.sslMode) {
    case undefined:
    case 'disable':
    case 'allow':
    case 'prefer':
      // node-postgres has no "try TLS, fall back" mode; plain suffices for a readiness probe
      return false;
    case 'require':
      return { rejectUnauthorized: false, ...(conn.caBundle ? { ca: conn.caBundle } : {}) };
    default: // verify-ca, verify-full
      return { rejectUnauthorized: true, ...(conn.caBundle ? { ca: conn.caBundle } : {}) };
  }
}
