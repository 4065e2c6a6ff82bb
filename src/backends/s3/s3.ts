/** S3 and S3-compatible stores (MinIO, …). */
import { goPathJoin } from '../paths.ts';
import type { BackendProvider } from '../types.ts';

export const s3Backend: BackendProvider<'s3'> = {
  provider: 's3',
  plan: (spec, secret) => ({
    // Endpoint verbatim (may carry the scheme), then path.Join(bucket, prefix): Stash's exact string.
    repository: `s3:${spec.endpoint}/${goPathJoin(spec.bucket, spec.prefix ?? '')}`,
    // Keys are optional: without them restic falls back to instance or IRSA credentials.
    env: {
      ...secret.pick(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']),
      ...(spec.region ? { AWS_DEFAULT_REGION: spec.region } : {}),
    },
    globalArgs: spec.insecureTLS ? ['--insecure-tls'] : [],
  }),
};
