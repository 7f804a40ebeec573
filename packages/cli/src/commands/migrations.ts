import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { migrateUp, migrationStates } from "@tether/store";
import type { TetherConfig } from "../config/load.ts";

/** `tether migrations up|list`: applies or shows the numbered migrations of the store. */
export function migrations(config: TetherConfig, action: string | undefined, out: (line: string) => void): number {
  mkdirSync(config.prefix, { recursive: true });
  const db = new Database(join(config.prefix, "tether.db"));
  try {
    if (action === "up") {
      const applied = migrateUp(db);
      out(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
      return 0;
    }
    if (action === "list") {
      for (const state of migrationStates(db))
        out(`${state.name}\t${state.executed_at === null ? "pending" : `executed ${new Date(state.executed_at * 1000).toISOString()}`}`);
      return 0;
    }
    out("usage: tether migrations up|list");
    return 2;
  } finally {
    db.close();
  }
}
