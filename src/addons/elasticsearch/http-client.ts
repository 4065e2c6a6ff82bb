/**
 * A thin JSON client for the Elasticsearch/OpenSearch REST API on undici's connection pool.
 *
 * Why not the official clients (ADR 0008): @elastic/elasticsearch 8 refuses servers without its
 * product header (OpenSearch, Elasticsearch < 7.14), and @opensearch-project/opensearch does not
 * follow Elasticsearch 8. A dump needs a dozen endpoints on five engine lines; a pool with keep-alive
 * connections, basic auth and a verified CA is all the transport it needs, and undici's pool is what
 * Node's own fetch runs on (or node:http for a lean program: ./http-transport.ts).
 */
import { StowageError, type ErrorCode } from '../../errors.ts';
import type { SearchConnection } from './connection.ts';
import {
  nodeTransport,
  undiciTransport,
  type BodyBuffer,
  type Transport,
  type TransportResponse,
} from './http-transport.ts';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

export interface RequestOptions {
  /** Query string parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Statuses that are answers rather than errors (e.g. 404 for "does it exist"). */
  accept?: readonly number[];
  /** `application/x-ndjson` bodies (bulk) are sent as given. */
  ndjson?: boolean;
  signal?: AbortSignal;
  /** requestBytes: a buffer to receive the body into, reused across requests (node transport). */
  into?: BodyBuffer;
}

export interface SearchResponse<T> {
  status: number;
  body: T;
}

/** 401/403: credentials; 429: back-pressure; 5xx: the cluster is struggling (both retried); else a refusal. */
function httpErrorCode(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'DATABASE_AUTH_FAILED';
  if (status === 429) return 'DATABASE_OVERLOADED';
  return status >= 500 ? 'DATABASE_UNAVAILABLE' : 'DATABASE_REQUEST_FAILED';
}

/** An HTTP error answer of the cluster, with its error type and reason. */
export class SearchHttpError extends StowageError {
  readonly status: number;
  readonly errorType: string | undefined;

  constructor(method: string, path: string, status: number, errorType: string | undefined, reason: string) {
    super(
      httpErrorCode(status),
      `${method} ${path} → HTTP ${status}${errorType ? ` ${errorType}` : ''}: ${reason}`,
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
  /**
   * `undici` (default): undici's Pool. `node`: node:http(s) with a keep-alive Agent, which keeps
   * undici's ~30 MB out of a lean program such as the dump (./http-transport.ts).
   */
  transport?: 'undici' | 'node';
}

export class SearchClient {
  readonly url: string;
  readonly #transport: Transport;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;

  constructor(conn: SearchConnection, options: SearchClientOptions = {}) {
    const base = new URL(conn.url);
    this.url = conn.url;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    const timeout = options.timeoutMs ?? 300_000;
    const transportOptions = { connections: options.connections ?? 4, timeoutMs: timeout, caPem: conn.caPem };
    this.#transport =
      options.transport === 'node'
        ? nodeTransport(base.origin, transportOptions)
        : undiciTransport(base.origin, transportOptions);
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
    const res = await this.#send(method, path, body, options);
    const text =
      method === 'HEAD'
        ? (await this.#read(method, path, res.discard()), '')
        : (await this.#read(method, path, res.bytes())).toString('utf8');
    checkStatus(method, path, res.statusCode, options, () => text);
    return { status: res.statusCode, body: text };
  }

  /**
   * Like `request`, but hands back the raw body bytes: the dump copies documents out of search
   * pages without decoding them (./search-page.ts).
   */
  async requestBytes(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<SearchResponse<Buffer>> {
    const res = await this.#send(method, path, body, options);
    const bytes = await this.#read(method, path, res.bytes(options.into));
    checkStatus(method, path, res.statusCode, options, () => bytes.toString('utf8'));
    return { status: res.statusCode, body: bytes };
  }

  async #send(
    method: HttpMethod,
    path: string,
    body: unknown,
    options: RequestOptions,
  ): Promise<TransportResponse> {
    const fullPath = this.#basePath + path + queryString(options.query);
    const headers = { ...this.#headers };
    let payload: string | Uint8Array | undefined;
    if (body !== undefined) {
      // Strings and bytes (a bulk body built from raw document text) go as they are.
      payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      headers['content-type'] = options.ndjson ? 'application/x-ndjson' : 'application/json';
    }
    try {
      return await this.#transport.send({
        method,
        path: fullPath,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (e) {
      throw this.#unreachable(method, path, e);
    }
  }

  /** The body, with a connection lost half-way reported like one lost before the answer. */
  async #read<T>(method: HttpMethod, path: string, reading: Promise<T>): Promise<T> {
    try {
      return await reading;
    } catch (e) {
      throw this.#unreachable(method, path, e);
    }
  }

  #unreachable(method: HttpMethod, path: string, e: unknown): StowageError {
    return new StowageError(
      'DATABASE_UNREACHABLE',
      `${method} ${this.url}${path}: ${(e as Error).message}${causeCode(e)}`,
      { cause: e },
    );
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}

/** Throws the SearchHttpError of an answer ≥ 300 the caller does not accept. */
function checkStatus(
  method: HttpMethod,
  path: string,
  status: number,
  options: RequestOptions,
  text: () => string,
): void {
  if (status < 300 || options.accept?.includes(status)) return;
  const { type, reason } = errorOf(text());
  throw new SearchHttpError(method, path, status, type, reason);
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
