import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { migrateUp, migrationStates, type MigrationState } from "../sql/migrations.ts";
import { SqlStore } from "../sql/sql-store.ts";
import { SqliteDatabase } from "./database.ts";

/** The SQLite file of a prefix. */
export function sqliteFile(prefix: string): string {
  return join(prefix, "tether.db");
}

/**
 * The embedded store (SQLite in WAL mode): one file under the prefix; every write one transaction
 * that also bumps the config version the proxy polls (no notifications: one machine, cheap polls).
 */
export class SqliteStore extends SqlStore {
  constructor(private readonly sqlite: SqliteDatabase) {
    super("sqlite", sqlite);
  }

  migrate(): Promise<string[]> {
    return migrateUp(this.sqlite);
  }

  migrationStates(): Promise<MigrationState[]> {
    return migrationStates(this.sqlite);
  }
}

/** Opens (creating if needed) an SQLite store; `migrate` (the default) applies pending migrations first. */
export async function openSqliteStore(file: string, options: { migrate?: boolean } = {}): Promise<SqliteStore> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const store = new SqliteStore(new SqliteDatabase(file));
  if (options.migrate !== false) await store.migrate();
  return store;
}
