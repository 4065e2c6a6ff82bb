export {
  createPostgresAddon,
  postgresAddon,
  parseDatabases,
  POSTGRES_DUMP_FILENAME,
  type PostgresAddonOptions,
} from './postgres-addon.ts';
export { postgresConnection, libpqEnv, type PostgresConnection } from './connection.ts';
