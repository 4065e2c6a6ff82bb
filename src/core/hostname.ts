/** restic `--host` values (stash-spec §3.5, Stash `GetHostName`). */

export const DEFAULT_HOST = 'host-0';

export interface HostTarget {
  alias?: string | undefined;
  ref?: { kind?: string | undefined } | undefined;
}

/** AppBinding, PVC, Deployment and anything else with one host: the alias, else `host-0`. */
function singleHostname(alias?: string): string {
  return alias ? alias : DEFAULT_HOST;
}

/** StatefulSet pods (sidecar model) and restores of volumeClaimTemplates with replicas. */
function ordinalHostname(alias: string | undefined, ordinal: number | string): string {
  return alias ? `${alias}-${ordinal}` : `host-${ordinal}`;
}

/** DaemonSet pods: the node name, prefixed by the alias when set. */
function nodeHostname(alias: string | undefined, nodeName: string): string {
  return alias ? `${alias}-${nodeName}` : nodeName;
}

export interface HostnameContext {
  /** Pod ordinal (StatefulSet) or POD_ORDINAL (restore with volumeClaimTemplates + replicas). */
  ordinal?: number | string;
  nodeName?: string;
  /** Restore whose target uses volumeClaimTemplates and replicas. */
  perOrdinalRestore?: boolean;
}

/** The host for one target and pod, following §3.5's case order. */
export function hostnameFor(target: HostTarget | undefined, ctx: HostnameContext = {}): string {
  if (target === undefined) return DEFAULT_HOST;
  const kind = target.ref?.kind;
  if (ctx.perOrdinalRestore && ctx.ordinal !== undefined) return ordinalHostname(target.alias, ctx.ordinal);
  if (kind === 'StatefulSet' && ctx.ordinal !== undefined) return ordinalHostname(target.alias, ctx.ordinal);
  if (kind === 'DaemonSet' && ctx.nodeName) return nodeHostname(target.alias, ctx.nodeName);
  return singleHostname(target.alias);
}
