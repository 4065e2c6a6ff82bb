/**
 * What the search-engine tests send straight to an engine (plain HTTP, no proxy) to set up and
 * inspect data: one request that must succeed — NDJSON when the body is a string (a bulk) —, and
 * where multielasticdump, the peer, reaches the engine.
 */
import { engineRequest, type HttpResult, type SearchEngine } from '../../harness/search-engine.ts';
import { startRootShim } from '../../harness/es-root-shim.ts';

/** Sends the request to the engine itself; an answer outside 2xx throws with its body. */
export async function engineCall(
  engine: Pick<SearchEngine, 'url'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpResult> {
  const contentType = typeof body === 'string' ? 'application/x-ndjson' : undefined;
  const res = await engineRequest(engine.url, method, path, { body, contentType, timeoutMs: 120_000 });
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 2000)}`);
  }
  return res;
}

export interface ElasticdumpAccess {
  url: string;
  auth?: { username: string; password: string } | undefined;
  caFile?: string | undefined;
  close(): Promise<void>;
}

/**
 * Where multielasticdump reaches the engine: its TLS + basic-auth proxy, or — on Elasticsearch 8,
 * whose integ-test zip has no `GET /`, which every elasticdump child sends first — a plain-HTTP
 * shim in front of the engine that answers it (real clusters need none).
 */
export async function elasticdumpAccess(engine: SearchEngine): Promise<ElasticdumpAccess> {
  if (engine.kind === 'elasticsearch' && Number(engine.version.split('.')[0]) >= 8) {
    const shim = await startRootShim(engine.url, engine.version);
    return { url: shim.url, close: () => shim.close() };
  }
  const { url, username, password, caFile } = engine.secure;
  return { url, auth: { username, password }, caFile, close: () => Promise.resolve() };
}
