/**
 * What SearchClient sends its requests over: undici's Pool (the default), or Node's own
 * `node:http(s)` with a keep-alive Agent. Both are loaded on first use. The second one exists for
 * the dump program, which restic starts for every backup: undici's module alone costs about 30 MB
 * of resident memory (measured: a bare node 44 MB, with undici loaded 75 MB, with node:https 61 MB)
 * and a dump sends a few large requests per second, where undici's speed on small requests does
 * not show.
 */
import type { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import type { Pool } from 'undici';

export interface TransportRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

/** A buffer a caller keeps across requests, for the transport to receive bodies into. */
export interface BodyBuffer {
  buffer: Buffer;
}

export interface TransportResponse {
  statusCode: number;
  /** The whole body; into `into.buffer` when given and the transport can (it grows it as needed). */
  bytes(into?: BodyBuffer): Promise<Buffer>;
  /** Reads and drops the body (HEAD, or an answer nobody needs). */
  discard(): Promise<void>;
}

export interface Transport {
  send(req: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

export interface TransportOptions {
  connections: number;
  timeoutMs: number;
  caPem: string | undefined;
}

export function undiciTransport(origin: string, options: TransportOptions): Transport {
  let pool: Promise<Pool> | undefined;
  const load = () =>
    (pool ??= import('undici').then(
      ({ Pool: UndiciPool }) =>
        new UndiciPool(origin, {
          connections: options.connections,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          keepAliveTimeout: 30_000,
          ...(options.caPem ? { connect: { ca: options.caPem, rejectUnauthorized: true } } : {}),
        }),
    ));
  return {
    async send(req) {
      const res = await (
        await load()
      ).request({
        method: req.method as 'GET',
        path: req.path,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return {
        statusCode: res.statusCode,
        bytes: async () => Buffer.from(await res.body.arrayBuffer()),
        discard: () => res.body.dump(),
      };
    },
    async close() {
      if (pool) await (await pool).close();
    },
  };
}

interface NodeHttp {
  agent: HttpAgent;
  request: typeof httpRequest;
}

export function nodeTransport(origin: string, options: TransportOptions): Transport {
  const url = new URL(origin);
  let loaded: Promise<NodeHttp> | undefined;
  const load = () => (loaded ??= loadNodeHttp(url.protocol === 'https:', options));
  return {
    async send(req) {
      const { agent, request } = await load();
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      return new Promise<TransportResponse>((resolve, reject) => {
        const r = request(
          {
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port,
            method: req.method,
            path: req.path,
            headers,
            agent,
            timeout: options.timeoutMs,
            ...(req.signal ? { signal: req.signal } : {}),
          },
          (res) => resolve(nodeResponse(res)),
        );
        r.on('timeout', () => r.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
        r.on('error', reject);
        r.end(req.body);
      });
    },
    async close() {
      if (loaded) (await loaded).agent.destroy();
    },
  };
}

async function loadNodeHttp(secure: boolean, options: TransportOptions): Promise<NodeHttp> {
  if (secure) {
    const https = await import('node:https');
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: options.connections,
      ...(options.caPem ? { ca: options.caPem } : {}),
      rejectUnauthorized: true,
    });
    return { agent, request: https.request as typeof httpRequest };
  }
  const http = await import('node:http');
  return {
    agent: new http.Agent({ keepAlive: true, maxSockets: options.connections }),
    request: http.request,
  };
}

/** An answer whose body is read when asked for (into the caller's buffer, if any). */
function nodeResponse(res: IncomingMessage): TransportResponse {
  res.pause();
  res.on('error', () => {}); // reported by bytes()/discard()
  return {
    statusCode: res.statusCode ?? 0,
    bytes: (into) => readBody(res, into),
    discard: async () => {
      res.resume();
      await new Promise<void>((ok, fail) => {
        res.on('end', ok);
        res.on('error', fail);
      });
    },
  };
}

function readBody(res: IncomingMessage, into: BodyBuffer | undefined): Promise<Buffer> {
  return new Promise<Buffer>((ok, fail) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const expected = Number(res.headers['content-length']);
    if (into && Number.isSafeInteger(expected) && into.buffer.length < expected) {
      into.buffer = Buffer.allocUnsafe(expected);
    }
    res.on('data', (c: Buffer) => {
      if (into) appendInto(into, length, c);
      else chunks.push(c);
      length += c.length;
    });
    res.on('end', () => ok(into ? into.buffer.subarray(0, length) : Buffer.concat(chunks, length)));
    res.on('error', fail);
    res.on('aborted', () => fail(new Error('the connection closed before the answer was complete')));
    res.resume();
  });
}

/** Copies `c` to `into.buffer` at `length`, growing the buffer when it is too small. */
function appendInto(into: BodyBuffer, length: number, c: Buffer): void {
  if (length + c.length > into.buffer.length) {
    // Grow by a quarter: the buffer settles at the largest page instead of twice it.
    const bigger = Buffer.allocUnsafe(Math.max(Math.ceil(1.25 * (length + c.length)), 65_536));
    into.buffer.copy(bigger, 0, 0, length);
    into.buffer = bigger;
  }
  c.copy(into.buffer, length);
}
