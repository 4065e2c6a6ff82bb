/**
 * A minimal Kubernetes REST client over node:https for the chart tests. It sends objects exactly as
 * helm rendered them: @kubernetes/client-node's KubernetesObjectApi re-serializes built-in kinds
 * through its typed models, which drops keys the models spell differently
 * (`x-kubernetes-int-or-string`, `x-kubernetes-validations` in CRDs) and silently drops unknown
 * fields, the very mistakes a dry-run should catch. Every write here asks for
 * fieldValidation=Strict, so an unknown or duplicate field is an error.
 */
import { request } from 'node:https';
import { DEFAULT_NAMESPACE } from '../../../src/api/well-known.ts';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export class RawKubeApi {
  private readonly discovery = new Map<string, ApiResource[]>();
  private readonly url: URL;

  private readonly token: string;
  private readonly ca: Buffer;
  /** Impersonated user name (the bearer token's user must be allowed to impersonate). */
  private readonly impersonate: string | undefined;

  constructor(server: string, token: string, ca: Buffer, impersonate?: string) {
    this.url = new URL(server);
    this.token = token;
    this.ca = ca;
    this.impersonate = impersonate;
  }

  /**
   * One request; a 429 (a CRD's storage still initializing, or API priority and fairness) is
   * retried after its Retry-After, as client-go does, for up to a minute.
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<ApiResponse> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await this.requestOnce(method, path, body, contentType);
      if (r.status !== 429 || Date.now() > deadline) return r.response;
      await new Promise((resolve) => setTimeout(resolve, r.retryAfterMs));
    }
  }

  private requestOnce(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
  ): Promise<{ status: number; retryAfterMs: number; response: ApiResponse }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: 'application/json',
    };
    if (this.impersonate) headers['impersonate-user'] = this.impersonate;
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.url.hostname, port: this.url.port, path, method, headers, ca: this.ca, timeout: 30_000 },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            const status = res.statusCode ?? 0;
            const retryAfter = Number(res.headers['retry-after'] ?? '1');
            const retryAfterMs = Math.min(Number.isFinite(retryAfter) ? retryAfter : 1, 5) * 1000;
            resolve({ status, retryAfterMs, response: { status, body: parsed } });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * The collection path of `kind` in `apiVersion`, by discovery; for a namespaced kind, in `namespace`
   * (default: `default`), or across all namespaces when `namespace` is null.
   */
  async collectionPath(apiVersion: string, kind: string, namespace?: string | null): Promise<string> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let resources = this.discovery.get(apiVersion);
    if (!resources) {
      const r = await this.request('GET', base);
      if (r.status !== 200)
        throw new Error(`discovery of ${apiVersion}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      resources = (r.body as { resources: ApiResource[] }).resources.filter((x) => !x.name.includes('/'));
      this.discovery.set(apiVersion, resources);
    }
    const res = resources.find((x) => x.kind === kind);
    if (!res) throw new Error(`${apiVersion} serves no ${kind}`);
    if (!res.namespaced || namespace === null) return `${base}/${res.name}`;
    return `${base}/namespaces/${namespace ?? DEFAULT_NAMESPACE}/${res.name}`;
  }

  async objectPath(o: ObjectRef): Promise<string> {
    return `${await this.collectionPath(o.apiVersion, o.kind, o.metadata.namespace)}/${o.metadata.name}`;
  }

  /** Server-side apply (forced), optionally as a dry run. */
  async apply(o: ObjectRef, options: { dryRun?: boolean; fieldManager: string }): Promise<ApiResponse> {
    const query = new URLSearchParams({
      fieldManager: options.fieldManager,
      force: 'true',
      fieldValidation: 'Strict',
    });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request(
      'PATCH',
      `${await this.objectPath(o)}?${query.toString()}`,
      o,
      'application/apply-patch+yaml',
    );
  }

  /** POST to the collection, optionally as a dry run. */
  async create(o: ObjectRef, options: { dryRun?: boolean } = {}): Promise<ApiResponse> {
    const query = new URLSearchParams({ fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    const path = await this.collectionPath(o.apiVersion, o.kind, o.metadata.namespace);
    return this.request('POST', `${path}?${query.toString()}`, o);
  }

  async get(o: ObjectRef): Promise<ApiResponse> {
    return this.request('GET', await this.objectPath(o));
  }

  /** Lists `kind`, in `namespace` or (without one) across all namespaces. */
  async list(apiVersion: string, kind: string, namespace?: string): Promise<ApiResponse> {
    return this.request('GET', await this.collectionPath(apiVersion, kind, namespace ?? null));
  }
}

/** `status: message` of a failed response, for assertion messages. */
export function describeResponse(r: ApiResponse): string {
  const message = (r.body as { message?: string } | undefined)?.message;
  return `${r.status}: ${message ?? JSON.stringify(r.body)}`;
}
