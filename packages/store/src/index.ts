export { Store, type Daos } from "./store.ts";
export { EntityDao, type Page, type ListOptions } from "./dao.ts";
export { migrateUp, migrationStates, loadMigrations, type Migration, type MigrationState } from "./migrations.ts";
