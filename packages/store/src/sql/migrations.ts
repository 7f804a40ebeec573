import { readdirSync, readFileSync } from "node:fs";
import type { SqlConnection, SqlDatabase } from "./connection.ts";

/** The repository's migrations/: one folder per dialect, numbered SQL files, the same numbers in each. */
export const migrationsRoot = new URL("../../../../migrations/", import.meta.url);

export interface Migration {
  name: string;
  sql: string;
}

export interface MigrationState {
  name: string;
  executed_at: number | null;
}

export function loadMigrations(dialect: "sqlite" | "postgres", root: URL = migrationsRoot): Migration[] {
  const dir = new URL(`${dialect}/`, root);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name: name.replace(/\.sql$/, ""), sql: readFileSync(new URL(name, dir), "utf8") }));
}

const CREATE_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, executed_at BIGINT NOT NULL)";

async function executed(conn: SqlConnection, db: SqlDatabase): Promise<Map<string, number>> {
  const exists = db.dialect.tableExists("schema_migrations");
  const [row] = await conn.all<{ name: string | null }>(exists.sql, exists.params);
  if (!row?.name) return new Map();
  const rows = await conn.all<{ name: string; executed_at: number | string }>("SELECT name, executed_at FROM schema_migrations");
  return new Map(rows.map((r) => [r.name, Number(r.executed_at)]));
}

export async function migrationStates(db: SqlDatabase, migrations = loadMigrations(db.dialect.name)): Promise<MigrationState[]> {
  const done = await executed(db.direct, db);
  return migrations.map((m) => ({ name: m.name, executed_at: done.get(m.name) ?? null }));
}

/**
 * Applies pending migrations, each in its own transaction that first checks nobody applied it
 * meanwhile; returns the names applied. Callers that share a database across processes hold the
 * backend's migration lock around this (PostgreSQL: an advisory lock).
 */
export async function migrateUp(db: SqlDatabase, migrations = loadMigrations(db.dialect.name)): Promise<string[]> {
  await db.direct.exec(CREATE_TABLE);
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (conn) => {
      if ((await executed(conn, db)).has(migration.name)) return false;
      await conn.exec(migration.sql);
      await conn.run("INSERT INTO schema_migrations (name, executed_at) VALUES (?, ?)", [migration.name, Math.floor(Date.now() / 1000)]);
      return true;
    }, "write");
    if (ran) applied.push(migration.name);
  }
  return applied;
}
