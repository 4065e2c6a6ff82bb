export { createPostgresAddon, postgresAddon, type PostgresAddonOptions } from './postgres-addon.ts';
