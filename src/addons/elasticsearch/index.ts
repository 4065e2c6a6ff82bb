export { createElasticsearchAddon, elasticsearchAddon, opensearchAddon } from './elasticsearch-addon.ts';
