export { Store, type Daos } from "./store.ts";
export { EntityDao, type Page, type ListOptions, type TagFilter } from "./dao.ts";
export { pageTags, type TagRow, type TagListOptions } from "./tags.ts";
export { migrateUp, migrationStates, loadMigrations, type Migration, type MigrationState } from "./migrations.ts";
