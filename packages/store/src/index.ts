export type {
  DatabaseKind,
  Daos,
  EntityStore,
  ListOptions,
  Page,
  Store,
  StoreSession,
  TagFilter,
  TagListOptions,
  TagRow,
  WriteIntent,
} from "./types.ts";
export { openSqliteStore, sqliteFile, SqliteStore } from "./sqlite/store.ts";
export { openPostgresStore, PostgresStore } from "./postgres/store.ts";
export { describePostgresError, isSettingsError } from "./postgres/database.ts";
export type { PostgresSettings } from "./postgres/settings.ts";
export { DblessStore, EMPTY_CONFIGURATION_HASH, storeFromConfig } from "./dbless/store.ts";
export { loadMigrations, type Migration, type MigrationState } from "./sql/migrations.ts";
export { ConfigFileError, readConfigFile, readConfigFileHeader, writeConfigFile, type ConfigFileHeader } from "./config-file.ts";
