/**
 * A keep-alive HTTP(S) client for the Elasticsearch bench: the generator's concurrent _bulk and the
 * read ceiling's sliced searches need pooled connections and raw response bytes (the ceiling
 * counts and drops them without building JSON), which test/harness/search-engine.ts's
 * one-connection-per-request engineRequest does not give.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface EsTarget {
  url: string;
  auth?: { username: string; password: string };
  caPem?: string;
}

export interface RawResponse {
  status: number;
  body: Buffer;
}

export class EsClient {
  readonly target: EsTarget;
  private readonly agent: HttpAgent;
  private readonly authHeader: string | undefined;

  constructor(target: EsTarget, maxSockets = 16) {
    this.target = target;
    const https = target.url.startsWith('https:');
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets, ...(target.caPem ? { ca: target.caPem } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets });
    this.authHeader = target.auth
      ? `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString('base64')}`
      : undefined;
  }

  /** One request; the whole body as bytes. `body` is sent as is (string) or as JSON. */
  raw(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<RawResponse> {
    const url = new URL(path, this.target.url);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (this.authHeader) headers.authorization = this.authHeader;
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      };
      const options = { method, headers, agent: this.agent, timeout: 300_000 };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, options, onResponse)
          : httpRequest(url, options, onResponse);
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** JSON request that must succeed (2xx); the parsed body. */
  async json<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.raw(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300)
      throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.toString('utf8', 0, 800)}`);
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : undefined) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Engine flavour as the bench needs it: which PIT API, whether bulk needs `_type`. */
export interface EsFlavor {
  kind: 'opensearch' | 'elasticsearch';
  major: number;
}
