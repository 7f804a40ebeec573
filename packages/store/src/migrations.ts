import { readdirSync, readFileSync } from "node:fs";
import type Database from "better-sqlite3";

/** The repository's migrations/ folder: numbered SQL files, applied in order, each once. */
export const migrationsDir = new URL("../../../migrations/", import.meta.url);

export interface Migration {
  name: string;
  sql: string;
}

export interface MigrationState {
  name: string;
  executed_at: number | null;
}

export function loadMigrations(dir: URL = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name: name.replace(/\.sql$/, ""), sql: readFileSync(new URL(name, dir), "utf8") }));
}

function ensureTable(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, executed_at INTEGER NOT NULL)");
}

export function migrationStates(db: Database.Database, migrations = loadMigrations()): MigrationState[] {
  ensureTable(db);
  const done = new Map(
    (db.prepare("SELECT name, executed_at FROM schema_migrations").all() as { name: string; executed_at: number }[]).map(
      (r) => [r.name, r.executed_at],
    ),
  );
  return migrations.map((m) => ({ name: m.name, executed_at: done.get(m.name) ?? null }));
}

/** Applies pending migrations, each in its own transaction; returns the names applied. */
export function migrateUp(db: Database.Database, migrations = loadMigrations()): string[] {
  const pending = migrationStates(db, migrations).filter((s) => s.executed_at === null);
  const applied: string[] = [];
  for (const state of pending) {
    const migration = migrations.find((m) => m.name === state.name)!;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare("INSERT INTO schema_migrations (name, executed_at) VALUES (?, ?)").run(
        migration.name,
        Math.floor(Date.now() / 1000),
      );
    }).immediate();
    applied.push(migration.name);
  }
  return applied;
}
