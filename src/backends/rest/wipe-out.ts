/**
 * wipeOut for restic's rest-server, through the REST protocol restic itself speaks: for each file
 * type (snapshots, index, data, locks, keys) `GET <repo>/<type>/` with
 * `Accept: application/vnd.x.restic.rest.v2` lists the files, `DELETE <repo>/<type>/<name>`
 * deletes each one, and `DELETE <repo>/config` goes last, so an interrupted wipe still leaves a
 * repository restic recognises and the next attempt carries on. A last listing must find nothing.
 *
 * Credentials are the ones restic gets: the URL's userinfo, replaced by REST_SERVER_USERNAME and
 * REST_SERVER_PASSWORD when the Secret has them; they travel as a Basic Authorization header.
 * node:http(s) rather than fetch: CA_CERT_DATA (a private CA, as restic's --cacert) needs a TLS
 * option fetch does not take.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import type { restSpec } from '../../api/stash/v1alpha1/backend.ts';
import { errorMessage, StowageError } from '../../errors.ts';
import type { SecretValues } from '../secret-values.ts';
import type { WipeOutResult } from '../wipe-out.ts';
import { withUserinfo } from './rest.ts';

type RestSpec = z.infer<typeof restSpec>;

/** Deleted in this order; `config` after them. */
const REST_FILE_TYPES = ['snapshots', 'index', 'data', 'locks', 'keys'] as const;

const V2 = 'application/vnd.x.restic.rest.v2';
const CONCURRENCY = 8;

/** The URL without userinfo, ending in `/`. */
function baseUrl(url: string): URL {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.search = '';
  u.hash = '';
  return u;
}

/** `rest:<url>/` without credentials. */
export function restLocation(url: string): string {
  return `rest:${baseUrl(url).href}`;
}

interface Reply {
  status: number;
  body: string;
}

export async function wipeOutRest(
  spec: RestSpec,
  secret: SecretValues,
  o: { requestTimeoutMs: number },
): Promise<WipeOutResult> {
  const repo = new RestRepository(spec, secret, o.requestTimeoutMs);
  try {
    const removed = (await deleteFiles(repo)) + (await deleteConfig(repo));
    await checkNothingLeft(repo);
    return { location: repo.location, removed };
  } catch (e) {
    if (e instanceof StowageError) throw e;
    throw new StowageError('WIPE_OUT_FAILED', `wiping ${repo.location}: ${errorMessage(e)}`, { cause: e });
  } finally {
    repo.close();
  }
}

/** Every file of every type, CONCURRENCY deletions at a time; returns how many were deleted. */
async function deleteFiles(repo: RestRepository): Promise<number> {
  let removed = 0;
  for (const type of REST_FILE_TYPES) {
    const names = await repo.list(type);
    for (let i = 0; i < names.length; i += CONCURRENCY) {
      const batch = names.slice(i, i + CONCURRENCY);
      const done = await Promise.all(batch.map((n) => repo.remove(`${type}/${encodeURIComponent(n)}`)));
      removed += done.filter(Boolean).length;
    }
  }
  return removed;
}

/** The config, last; returns 1 when there was one. */
async function deleteConfig(repo: RestRepository): Promise<number> {
  // rest-server answers a DELETE of a missing config with 200: ask first, to count it right.
  const config = await repo.call('HEAD', 'config');
  if (config.status !== 200 && config.status !== 404) throw repo.fail('looking for config', config);
  const removed = config.status === 200 && (await repo.remove('config')) ? 1 : 0;
  const configLeft = await repo.call('HEAD', 'config');
  if (configLeft.status !== 404) throw repo.fail('config still answers after its deletion', configLeft);
  return removed;
}

async function checkNothingLeft(repo: RestRepository): Promise<void> {
  for (const type of REST_FILE_TYPES) {
    const left = await repo.list(type);
    if (left.length > 0) {
      throw new StowageError(
        'WIPE_OUT_FAILED',
        `${left.length} files appeared in ${type}/ at ${repo.location} while it was wiped (is something still writing to this repository?)`,
      );
    }
  }
}

/** The repository's REST API, with the credentials and CA restic gets. */
class RestRepository {
  /** `rest:<url>/` without credentials. */
  readonly location: string;
  readonly #base: URL;
  readonly #authorization: string | undefined;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #timeoutMs: number;

  constructor(spec: RestSpec, secret: SecretValues, timeoutMs: number) {
    const withCredentials = new URL(
      withUserinfo(
        spec.url,
        secret.optional('REST_SERVER_USERNAME'),
        secret.optional('REST_SERVER_PASSWORD'),
      ),
    );
    this.#authorization =
      withCredentials.username === ''
        ? undefined
        : `Basic ${Buffer.from(
            `${decodeURIComponent(withCredentials.username)}:${decodeURIComponent(withCredentials.password)}`,
          ).toString('base64')}`;
    this.#base = baseUrl(spec.url);
    this.location = `rest:${this.#base.href}`;
    const ca = secret.optional('CA_CERT_DATA');
    this.#agent =
      this.#base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: CONCURRENCY, ...(ca === undefined ? {} : { ca }) })
        : new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
    this.#timeoutMs = timeoutMs;
  }

  call(method: 'GET' | 'HEAD' | 'DELETE', path: string): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const send = this.#base.protocol === 'https:' ? httpsRequest : httpRequest;
      const headers = {
        ...(method === 'GET' ? { accept: V2 } : {}),
        ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }),
      };
      const req: ClientRequest = send(
        new URL(path, this.#base),
        { method, agent: this.#agent, headers },
        (res: IncomingMessage) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.#timeoutMs, () =>
        req.destroy(new Error(`no answer within ${Math.round(this.#timeoutMs / 1000)}s`)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The names of the files of one type; none when the folder does not exist. */
  async list(type: string): Promise<string[]> {
    const r = await this.call('GET', `${type}/`);
    // No such directory: a repository never initialized, or wiped already.
    if (r.status === 404) return [];
    if (r.status !== 200) throw this.fail(`listing ${type}/`, r);
    const entries = JSON.parse(r.body) as Array<{ name: string } | string> | null;
    return (entries ?? []).map((e) => (typeof e === 'string' ? e : e.name));
  }

  /** Deletes one file; false when it was gone already. */
  async remove(path: string): Promise<boolean> {
    const r = await this.call('DELETE', path);
    if (r.status === 404) return false;
    if (r.status !== 200 && r.status !== 204) throw this.fail(`deleting ${path}`, r);
    return true;
  }

  fail(what: string, r: Reply): StowageError {
    const body = r.body.trim() ? ` (${r.body.trim().slice(0, 200)})` : '';
    return new StowageError(
      'WIPE_OUT_FAILED',
      `${what} at ${this.location}: HTTP ${r.status}${hint(r.status)}${body}`,
    );
  }

  close(): void {
    this.#agent.destroy();
  }
}

function hint(status: number): string {
  if (status === 401) return ' (check REST_SERVER_USERNAME and REST_SERVER_PASSWORD)';
  if (status === 403)
    return ' (refused: an --append-only or --private-repos rest-server does not let this user delete)';
  return '';
}
