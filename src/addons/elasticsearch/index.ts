export { createElasticsearchAddon, elasticsearchAddon, opensearchAddon } from './elasticsearch-addon.ts';
export { STREAM_FILENAME } from './archive-format.ts';
