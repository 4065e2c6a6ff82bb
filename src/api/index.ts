// The YAML manifest reader lives in ./manifests.ts, outside this barrel: it pulls in the YAML parser,
// which in-job steps and the operator's hot paths never need.
export * from './meta.ts';
export * from './well-known.ts';
export * from './kinds.ts';
export * from './validate.ts';
export * from './core/v1/secret.ts';
export * from './appcatalog/v1alpha1/app-binding.ts';
export * from './stash/v1alpha1/backend.ts';
export * from './stash/v1alpha1/repository.ts';
export * from './stash/v1beta1/common.ts';
export * from './stash/v1beta1/backup-configuration.ts';
export * from './stash/v1beta1/backup-session.ts';
export * from './stash/v1beta1/restore-session.ts';
export * from './stash/v1beta1/task.ts';
export * from './stash/v1beta1/function.ts';
