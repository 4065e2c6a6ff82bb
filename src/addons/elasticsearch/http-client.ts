/**
 * A thin JSON client for the Elasticsearch/OpenSearch REST API on undici's connection pool.
 *
 * Why not the official clients (ADR 0008): @elastic/elasticsearch 8 refuses servers without its
 * product header (OpenSearch, Elasticsearch < 7.14), and @opensearch-project/opensearch does not
 * follow Elasticsearch 8. A dump needs a dozen endpoints on five engine lines; a pool with keep-alive
 * connections, basic auth and a verified CA is all the transport it needs, and undici's pool is what
 * Node's own fetch runs on.
 */
import { Pool } from 'undici';
import { StowageError } from '../../errors.ts';
import type { SearchConnection } from './connection.ts';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

export interface RequestOptions {
  /** Query string parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Statuses that are answers rather than errors (e.g. 404 for "does it exist"). */
  accept?: readonly number[];
  /** `application/x-ndjson` bodies (bulk) are sent as given. */
  ndjson?: boolean;
  signal?: AbortSignal;
}

export interface SearchResponse<T> {
  status: number;
  body: T;
}

/** An HTTP error answer of the cluster, with its error type and reason. */
export class SearchHttpError extends StowageError {
  readonly status: number;
  readonly errorType: string | undefined;

  constructor(method: string, path: string, status: number, errorType: string | undefined, reason: string) {
    super(
      status === 401 || status === 403 ? 'DATABASE_AUTH_FAILED' : 'DATABASE_REQUEST_FAILED',
      `${method} ${path} → HTTP ${status}${errorType ? ` ${errorType}` : ''}: ${reason}`,
      { retryable: status === 429 || status >= 500 },
    );
    this.name = 'SearchHttpError';
    this.status = status;
    this.errorType = errorType;
  }
}

export interface SearchClientOptions {
  /** Concurrent connections to keep; one per parallel worker plus a spare. */
  connections?: number;
  /** Per-request timeout for headers and body, in ms (default 5 minutes: a bulk may be slow). */
  timeoutMs?: number;
}

export class SearchClient {
  readonly url: string;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;

  constructor(conn: SearchConnection, options: SearchClientOptions = {}) {
    const base = new URL(conn.url);
    this.url = conn.url;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    const timeout = options.timeoutMs ?? 300_000;
    this.#pool = new Pool(base.origin, {
      connections: options.connections ?? 4,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 30_000,
      ...(conn.caPem ? { connect: { ca: conn.caPem, rejectUnauthorized: true } } : {}),
    });
    this.#headers = { accept: 'application/json' };
    if (conn.username !== undefined) {
      const token = Buffer.from(`${conn.username}:${conn.password ?? ''}`).toString('base64');
      this.#headers.authorization = `Basic ${token}`;
    }
  }

  /** Sends a request and parses the JSON answer; statuses ≥ 300 not in `accept` throw SearchHttpError. */
  async request<T = unknown>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<SearchResponse<T>> {
    const text = await this.requestText(method, path, body, options);
    return { status: text.status, body: (text.body === '' ? undefined : JSON.parse(text.body)) as T };
  }

  /** Like `request`, but hands back the raw body text (the caller parses what it needs). */
  async requestText(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<SearchResponse<string>> {
    const fullPath = this.#basePath + path + queryString(options.query);
    const headers = { ...this.#headers };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = options.ndjson ? 'application/x-ndjson' : 'application/json';
    }
    let res;
    try {
      res = await this.#pool.request({
        method,
        path: fullPath,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (e) {
      throw new StowageError(
        'DATABASE_UNREACHABLE',
        `${method} ${this.url}${path}: ${(e as Error).message}${causeCode(e)}`,
        { cause: e, retryable: true },
      );
    }
    const text = method === 'HEAD' ? (await res.body.dump(), '') : await res.body.text();
    if (res.statusCode >= 300 && !options.accept?.includes(res.statusCode)) {
      const { type, reason } = errorOf(text);
      throw new SearchHttpError(method, path, res.statusCode, type, reason);
    }
    return { status: res.statusCode, body: text };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function causeCode(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? ` (${cause.code})` : '';
}

/** The `error.type`/`error.reason` of an error answer, or its first 300 characters. */
function errorOf(text: string): { type: string | undefined; reason: string } {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    const err = parsed.error;
    if (typeof err === 'string') return { type: undefined, reason: err };
    if (err && typeof err === 'object') {
      const e = err as { type?: string; reason?: string; root_cause?: Array<{ reason?: string }> };
      return { type: e.type, reason: e.reason ?? e.root_cause?.[0]?.reason ?? text.slice(0, 300) };
    }
  } catch {
    // not JSON (a proxy's HTML page)
  }
  return { type: undefined, reason: text.slice(0, 300).trim() || '(empty body)' };
}
