import type { Logger } from "@tether/core";
import { describePostgresError, openPostgresStore, openSqliteStore, sqliteFile, type PostgresStore, type SqliteStore } from "@tether/store";
import type { TetherConfig } from "../config/load.ts";
import { StartError } from "../node/start-error.ts";

/** `tether migrations up|list`: applies or shows the numbered migrations of the configured database. */
export async function migrations(config: TetherConfig, action: string | undefined, out: (line: string) => void, log: Logger): Promise<number> {
  if (action !== "up" && action !== "list") {
    out("usage: tether migrations up|list");
    return 2;
  }
  if (config.database === "off") {
    out("database = off: a DB-less node has no database to migrate");
    return 1;
  }
  const store: SqliteStore | PostgresStore =
    config.database === "postgres" ? openPostgresStore(config.pg, log) : await openSqliteStore(sqliteFile(config.prefix), { migrate: false });
  try {
    if (action === "up") {
      const applied = await store.migrate();
      out(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
      return 0;
    }
    for (const state of await store.migrationStates())
      out(`${state.name}\t${state.executed_at === null ? "pending" : `executed ${new Date(state.executed_at * 1000).toISOString()}`}`);
    return 0;
  } catch (error) {
    if (config.database === "postgres") throw new StartError(describePostgresError(error, config.pg));
    throw error;
  } finally {
    await store.close();
  }
}
