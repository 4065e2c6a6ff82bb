/**
 * The backend interface: a Repository's `spec.backend` plus its decoded storage Secret become the
 * restic connection (RESTIC_REPOSITORY, env, flags, 0600 files). Planning is pure (./plan.ts);
 * writing the files is separate (./materialize.ts), so every provider is testable as a table.
 */
import type { Backend, Provider } from '../api/stash/v1alpha1/backend.ts';
import type { SecretValues } from './secret-values.ts';

/** Secret content restic reads from a file; the file's path goes into `env` or after `flag`. */
export interface SecretFile {
  /** File name inside the private directory, e.g. `ca.crt`. */
  name: string;
  content: string;
  /** Env var that receives the file's path, e.g. GOOGLE_APPLICATION_CREDENTIALS. */
  env?: string;
  /** Flag that receives the file's path, e.g. `--cacert`. */
  flag?: string;
}

/** Everything needed to reach the repository, before any file is written. */
export interface ConnectionPlan {
  provider: Provider;
  repository: string;
  env: Record<string, string>;
  globalArgs: string[];
  files: SecretFile[];
  /** For local repositories: the directory to create before `restic init`, as Stash does. */
  localDirectory?: string;
}

/** What one provider contributes; RESTIC_PASSWORD and CA_CERT_DATA are handled for all of them. */
export interface ProviderPlan {
  repository: string;
  env?: Record<string, string>;
  globalArgs?: string[];
  files?: SecretFile[];
  localDirectory?: string;
}

export interface BackendProvider<P extends Provider> {
  provider: P;
  plan(spec: NonNullable<Backend[P]>, secret: SecretValues): ProviderPlan;
}
