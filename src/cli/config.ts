/**
 * Process configuration, parsed once from the environment at the entry and passed down frozen.
 * Nothing below src/cli reads process.env.
 */
import { VERSION } from '../version.ts';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const schema = z.object({
  STOWAGE_STATE_DIR: z.string().optional(),
  XDG_DATA_HOME: z.string().optional(),
  STOWAGE_RESTIC: z.string().optional(),
  STOWAGE_CACHE: z.string().optional(),
  STOWAGE_PUSHGATEWAY_URL: z.string().url('expected a URL such as http://127.0.0.1:9091').optional(),
  STOWAGE_IMAGE: z.string().optional(),
  STOWAGE_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  STOWAGE_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  STOWAGE_RUNTIME: z.enum(['standalone', 'kubernetes']).optional(),
  KUBECONFIG: z.string().optional(),
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  HOME: z.string().optional(),
});

export interface Config {
  /**
   * Where objects live: the embedded SQLite state, or a Kubernetes API server (inside a pod, or
   * wherever STOWAGE_RUNTIME=kubernetes says so, through KUBECONFIG or the pod's service account).
   */
  runtime: 'standalone' | 'kubernetes';
  /** Kubeconfig file for the kubernetes runtime; unset means KUBECONFIG's default order / in-cluster. */
  kubeconfig: string | undefined;
  stateDir: string;
  resticBinary: string;
  pushgatewayUrl: string | undefined;
  image: string;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  /** The env handed to job runners and steps (PATH and the stowage settings, nothing else secret). */
  childEnv: Record<string, string>;
}

/** Where our image is published, and its name (the catalog's Functions name it through Stash's variables). */
export const STOWAGE_IMAGE_REGISTRY = 'ghcr.io/stowage';
export const STOWAGE_IMAGE_NAME = 'stowage';
/** The image name our catalog's Functions use; steps with this image run the local stowage build. */
export const STOWAGE_IMAGE = `${STOWAGE_IMAGE_REGISTRY}/${STOWAGE_IMAGE_NAME}:v${VERSION}`;

export function loadConfig(env: NodeJS.ProcessEnv, isTTY: boolean): Config {
  const e = schema.parse(env);
  const home = e.HOME ?? homedir();
  const stateDir = e.STOWAGE_STATE_DIR ?? join(e.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'stowage');
  const cache = e.STOWAGE_CACHE ?? join(home, '.cache', 'stowage');
  const resticBinary = e.STOWAGE_RESTIC ?? join(cache, 'tools', 'restic-0.19.1', 'restic');
  const childEnv: Record<string, string> = {
    PATH: e.PATH,
    HOME: home,
    STOWAGE_STATE_DIR: stateDir,
    STOWAGE_RESTIC: resticBinary,
  };
  if (e.STOWAGE_PUSHGATEWAY_URL) childEnv.STOWAGE_PUSHGATEWAY_URL = e.STOWAGE_PUSHGATEWAY_URL;
  childEnv.STOWAGE_LOG_LEVEL = e.STOWAGE_LOG_LEVEL;
  childEnv.STOWAGE_LOG_FORMAT = 'json';
  if (e.STOWAGE_CACHE) childEnv.STOWAGE_CACHE = e.STOWAGE_CACHE;
  return Object.freeze({
    runtime: e.STOWAGE_RUNTIME ?? (e.KUBERNETES_SERVICE_HOST ? 'kubernetes' : 'standalone'),
    kubeconfig: e.KUBECONFIG,
    stateDir,
    resticBinary,
    pushgatewayUrl: e.STOWAGE_PUSHGATEWAY_URL,
    image: e.STOWAGE_IMAGE ?? STOWAGE_IMAGE,
    logLevel: e.STOWAGE_LOG_LEVEL,
    logFormat: e.STOWAGE_LOG_FORMAT ?? (isTTY ? 'pretty' : 'json'),
    childEnv,
  });
}
