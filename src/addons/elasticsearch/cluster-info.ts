/**
 * Which engine answers and what it can do. The dump and the load branch on these capabilities,
 * never on version numbers, so the differences between the lines live here only (measured in
 * docs/search-engines.md):
 * - point-in-time: Elasticsearch ≥ 7.10 (`POST /<idx>/_pit` → `id`), OpenSearch ≥ 2.4
 *   (`POST /<idx>/_search/point_in_time` → `pit_id`); older ones read with sliced scroll;
 * - mapping types (Elasticsearch 6.x: one named type per index, `_type` in bulk lines);
 * - composable and component templates: Elasticsearch ≥ 7.8, every OpenSearch;
 * - hidden indices (`index.hidden`): Elasticsearch ≥ 7.7, every OpenSearch.
 * Elasticsearch 8's integ-test distribution has no `GET /`; `GET /_nodes/_local` answers everywhere.
 */
import type { SearchClient } from './http-client.ts';

export type Distribution = 'elasticsearch' | 'opensearch';
export type PitApi = 'elasticsearch' | 'opensearch';

export interface ClusterInfo {
  distribution: Distribution;
  version: string;
  major: number;
  minor: number;
  /** Which point-in-time API the cluster has, if any. */
  pit: PitApi | undefined;
  /** Elasticsearch 6.x: mappings and bulk lines name a type. */
  mappingTypes: boolean;
  composableTemplates: boolean;
  hiddenIndices: boolean;
}

export async function clusterInfo(client: SearchClient, signal?: AbortSignal): Promise<ClusterInfo> {
  const root = await client.request<RootInfo>('GET', '/', undefined, {
    accept: [400, 404, 405],
    ...(signal ? { signal } : {}),
  });
  let distribution: Distribution;
  let version: string;
  if (root.status < 300 && root.body?.version?.number) {
    distribution = root.body.version.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
    version = root.body.version.number;
  } else {
    const nodes = await client.request<NodesInfo>('GET', '/_nodes/_local', undefined, {
      query: { filter_path: 'nodes.*.version,nodes.*.build_type,nodes.*.settings.node.name' },
      ...(signal ? { signal } : {}),
    });
    const first = Object.values(nodes.body.nodes ?? {})[0];
    if (!first?.version) throw new Error(`${client.url} answered neither GET / nor GET /_nodes/_local`);
    // Only Elasticsearch 8's test distribution lacks the root endpoint.
    distribution = 'elasticsearch';
    version = first.version;
  }
  return describeCluster(distribution, version);
}

/** The capabilities of a distribution and version (pure; unit-tested). */
export function describeCluster(distribution: Distribution, version: string): ClusterInfo {
  const [major = 0, minor = 0] = version.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const at = (m: number, n: number) => major > m || (major === m && minor >= n);
  const es = distribution === 'elasticsearch';
  return {
    distribution,
    version,
    major,
    minor,
    pit: es ? (at(7, 10) ? 'elasticsearch' : undefined) : at(2, 4) ? 'opensearch' : undefined,
    mappingTypes: es && major < 7,
    composableTemplates: es ? at(7, 8) : true,
    hiddenIndices: es ? at(7, 7) : true,
  };
}

interface RootInfo {
  version?: { number?: string; distribution?: string };
}

interface NodesInfo {
  nodes?: Record<string, { version?: string }>;
}
