/**
 * The Elasticsearch/OpenSearch part of the Stash-compatible catalog: `elasticsearch-backup-<v>` /
 * `elasticsearch-restore-<v>` Tasks and Functions for every version Stash's catalog lists
 * (stash-spec §4.1: 5.6.4 … 8.2.0), which KubeDB's ElasticsearchVersion objects name in
 * `spec.stash.addon`, so those AppBindings resolve to Stowage unchanged; and `opensearch-…`
 * equivalents, one per OpenSearch major (the addon-major-equals-database-major rule of Stash's
 * docs), for clusters whose AppBindings name them. One program serves every version: it asks the
 * cluster what it is (./cluster-info.ts).
 *
 * The Function flags are Stash's (`--interim-data-dir=${INTERIM_DATA_DIR}`, `--es-args=${args}`),
 * so a Task step with Stash's params behaves the same; the step picks the layout from the interim
 * folder (ADR 0008).
 */
import type { StashFunction, Task } from '../../api/index.ts';
import { addonCatalog } from '../catalog-common.ts';

const ELASTICSEARCH_ADDON_VERSIONS = [
  '5.6.4',
  '6.2.4',
  '6.3.0',
  '6.4.0',
  '6.5.3',
  '6.8.0',
  '7.2.0',
  '7.3.2',
  '7.14.0',
  '8.2.0',
] as const;

const OPENSEARCH_ADDON_VERSIONS = ['1.3.2', '2.19.0', '3.0.0'] as const;

type Family = 'elasticsearch' | 'opensearch';

function familyCatalog(
  family: Family,
  image: string,
  versions: readonly string[],
): Array<StashFunction | Task> {
  return addonCatalog(family, versions, image, {
    beforeSession: ['--interim-data-dir=${INTERIM_DATA_DIR:=}'],
    afterSession: ['--es-args=${args:=}'],
  });
}

/** Every Elasticsearch catalog object, Functions then Tasks, versions in the list's order. */
export function elasticsearchCatalog(
  image: string,
  versions: readonly string[] = ELASTICSEARCH_ADDON_VERSIONS,
): Array<StashFunction | Task> {
  return familyCatalog('elasticsearch', image, versions);
}

export function opensearchCatalog(
  image: string,
  versions: readonly string[] = OPENSEARCH_ADDON_VERSIONS,
): Array<StashFunction | Task> {
  return familyCatalog('opensearch', image, versions);
}
