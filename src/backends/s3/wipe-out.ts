/**
 * wipeOut for S3 and S3-compatible stores with the `minio` client: list every object under
 * `<prefix>/` and remove them in batches (one DeleteObjects request per page of up to 1000),
 * then list again until nothing is left.
 *
 * The bucket and prefix are the ones restic uses: the repository string Stash builds
 * (`s3:<endpoint>/<path.Join(bucket, prefix)>`) split the way restic's s3 config parser splits it.
 * A repository at the bucket's root is restic's own files only (config, keys/, data/, index/,
 * snapshots/, locks/): the rest of a shared bucket is left alone.
 */
import type { ClientRequest } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Client, IamAwsProvider } from 'minio';
import type { z } from 'zod';
import type { s3Spec } from '../../api/stash/v1alpha1/backend.ts';
import { errorMessage, StowageError } from '../../errors.ts';
import { goPathJoin } from '../paths.ts';
import type { SecretValues } from '../secret-values.ts';
import type { WipeOutResult } from '../wipe-out.ts';

type S3Spec = z.infer<typeof s3Spec>;

/** restic's files at a repository's root; what a wipe of a root repository deletes. */
const RESTIC_ROOT_ENTRIES = ['config', 'keys/', 'snapshots/', 'index/', 'data/', 'locks/'] as const;

export interface S3Target {
  hostname: string;
  port: number | undefined;
  useSSL: boolean;
  bucket: string;
  /** restic's prefix, cleaned, without a trailing slash; '' for the bucket's root. */
  prefix: string;
}

/** restic's s3.ParseConfig over the string Stash builds. */
export function s3Target(spec: S3Spec): S3Target {
  const rest = `${spec.endpoint}/${goPathJoin(spec.bucket, spec.prefix ?? '')}`;
  let host: string;
  let path: string;
  let useSSL = true;
  if (rest.startsWith('http')) {
    const url = new URL(rest);
    host = url.host;
    path = decodeURIComponent(url.pathname).slice(1);
    useSSL = url.protocol !== 'http:';
  } else {
    [host, path] = cut(rest, '/');
  }
  const [bucket, rawPrefix] = cut(path, '/');
  const cleaned = rawPrefix === '' ? '' : goPathJoin(rawPrefix);
  const prefix = cleaned === '.' || cleaned === '/' ? '' : cleaned.replace(/^\/+/, '');
  if (host === '' || bucket === '')
    throw new StowageError('INVALID_INPUT', `s3 backend: no host or bucket in "${spec.endpoint}"`);
  const hostUrl = new URL(`${useSSL ? 'https' : 'http'}://${host}`);
  return {
    hostname: hostUrl.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: hostUrl.port === '' ? undefined : Number(hostUrl.port),
    useSSL,
    bucket,
    prefix,
  };
}

/** `s3:<endpoint>/<bucket>/<prefix>/` as restic sees it (the endpoint never carries credentials). */
export function s3Location(spec: S3Spec): string {
  const t = s3Target(spec);
  return `s3:${spec.endpoint.replace(/\/+$/, '')}/${t.bucket}/${t.prefix === '' ? '' : `${t.prefix}/`}`;
}

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

const MAX_PASSES = 3;

export async function wipeOutS3(
  spec: S3Spec,
  secret: SecretValues,
  o: { requestTimeoutMs: number },
): Promise<WipeOutResult> {
  const target = s3Target(spec);
  const location = s3Location(spec);
  const ca = secret.optional('CA_CERT_DATA');
  const agent = target.useSSL
    ? new HttpsAgent({
        keepAlive: true,
        ...(ca === undefined ? {} : { ca }),
        ...(spec.insecureTLS ? { rejectUnauthorized: false } : {}),
      })
    : new HttpAgent({ keepAlive: true });
  const accessKey = secret.optional('AWS_ACCESS_KEY_ID');
  const secretKey = secret.optional('AWS_SECRET_ACCESS_KEY');
  const client = new Client({
    endPoint: target.hostname,
    ...(target.port === undefined ? {} : { port: target.port }),
    useSSL: target.useSSL,
    ...(spec.region ? { region: spec.region } : {}),
    transportAgent: agent,
    transport: withTimeout(target.useSSL ? (httpsRequest as RequestFn) : httpRequest, o.requestTimeoutMs),
    // The controller retries the whole wipe; the client's own retries only print warnings.
    retryOptions: { disableRetry: true },
    // Without keys, as restic does: the pod's or instance's role (IRSA web identity, ECS, EC2).
    ...(accessKey !== undefined && secretKey !== undefined
      ? { accessKey, secretKey }
      : { credentialsProvider: new IamAwsProvider({ transportAgent: agent }) }),
  });
  const prefixes = target.prefix === '' ? [...RESTIC_ROOT_ENTRIES] : [`${target.prefix}/`];
  try {
    let removed = 0;
    for (let pass = 1; ; pass++) {
      let found = 0;
      for (const prefix of prefixes) found += await removeUnder(client, target.bucket, prefix);
      removed += found;
      if (found === 0) return { location, removed };
      if (pass === MAX_PASSES) {
        throw new StowageError(
          'WIPE_OUT_FAILED',
          `objects keep appearing under ${location} after ${MAX_PASSES} passes (is something still writing to this repository?)`,
          {},
        );
      }
    }
  } catch (e) {
    if ((e as { code?: unknown }).code === 'NoSuchBucket') return { location, removed: 0 };
    if (e instanceof StowageError) throw e;
    throw new StowageError('WIPE_OUT_FAILED', `deleting the objects under ${location}: ${errorMessage(e)}`, {
      cause: e,
    });
  } finally {
    agent.destroy();
  }
}

/** One pass: removes what a listing under `prefix` returns, a page at a time. Returns how many. */
async function removeUnder(client: Client, bucket: string, prefix: string): Promise<number> {
  let removed = 0;
  let page: string[] = [];
  const flush = async () => {
    if (page.length === 0) return;
    const names = page;
    page = [];
    const failures = (await client.removeObjects(bucket, names)).filter((r) => r != null);
    if (failures.length > 0) {
      const first = failures[0] as { Key?: string; Code?: string; Message?: string; Error?: typeof first };
      const err = first.Error ?? first;
      throw new StowageError(
        'WIPE_OUT_FAILED',
        `${failures.length} of ${names.length} objects could not be deleted from bucket ${bucket} (first: ${err.Key ?? '?'}: ${err.Code ?? ''} ${err.Message ?? ''})`,
        {},
      );
    }
    removed += names.length;
  };
  // A prefix ends in '/', so a sibling such as `<prefix>-other/` is never listed; a root entry
  // without one (`config`) must match exactly.
  const exact = !prefix.endsWith('/');
  for await (const item of client.listObjectsV2(bucket, prefix, true)) {
    const name = (item as { name?: string }).name;
    if (name === undefined || (exact && name !== prefix)) continue;
    page.push(name);
    if (page.length === 1000) await flush();
  }
  await flush();
  return removed;
}

type RequestFn = typeof httpRequest;

/** The client's transport, with a request that stays silent for `ms` failing instead of hanging. */
function withTimeout(request: RequestFn, ms: number): { request: RequestFn } {
  const timed = (...args: unknown[]): ClientRequest => {
    const req = (request as (...a: unknown[]) => ClientRequest)(...args);
    req.setTimeout(ms, () => req.destroy(new Error(`no answer within ${Math.round(ms / 1000)}s`)));
    return req;
  };
  return { request: timed as RequestFn };
}
