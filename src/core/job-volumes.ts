/**
 * The volumes every session's Job mounts, at the paths Stash's Functions are written against
 * (stash-spec §3.3). The Kubernetes Job mounts them; the standalone job runner maps each onto a
 * folder of the job's work directory. Nothing else spells these paths.
 */

/** The Job's scratch emptyDir: restic's cache, secret files, step output. */
export const SCRATCH_VOLUME = 'stash-tmp-dir';
export const SCRATCH_DIR = '/stash-tmp';

/** Where a step's output.json goes; the update-status step reads it from there. */
export const OUTPUT_DIR = `${SCRATCH_DIR}/output`;

/** The PVC made from an invoker's interimVolumeTemplate. */
export const INTERIM_VOLUME = 'stash-interim-volume';
export const INTERIM_MOUNT_PATH = '/stash-interim-volume';
/** `${INTERIM_DATA_DIR}` when the invoker has an interimVolumeTemplate… */
export const INTERIM_DATA_DIR = `${INTERIM_MOUNT_PATH}/data`;
/** …and inside the scratch folder when it has none. */
export const TMP_INTERIM_DATA_DIR = `${SCRATCH_DIR}${INTERIM_DATA_DIR}`;

/** A local (volume) backend's volume. */
export const LOCAL_BACKEND_VOLUME = 'stash-local-backend';
