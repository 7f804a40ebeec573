// The store's backends for tests that must hold on both: SQLite (a real file) and PostgreSQL (a
// real server, started once per test file and given a fresh database per store).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openPostgresStore, openSqliteStore, type PostgresStore, type SqliteStore } from "@tether/store";
import { postgresMissing, startPostgres, type Postgres } from "../fixtures/postgres/index.ts";

export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface Backend {
  name: "sqlite" | "postgres";
  /** A fresh, migrated, empty store; closed (and its files removed) after the test file. */
  open(): Promise<SqliteStore | PostgresStore>;
}

let server: Promise<Postgres> | undefined;
let databases = 0;
const cleanups: (() => Promise<void> | void)[] = [];

// Registered at import, on the file's root: stores close, then the server stops, when the file's tests end.
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await (await server)?.destroy();
});

/** One PostgreSQL server for the whole test file. */
export function sharedPostgres(): Promise<Postgres> {
  server ??= startPostgres();
  return server;
}


const sqlite: Backend = {
  name: "sqlite",
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "tether-store-"));
    const store = await openSqliteStore(join(dir, "tether.db"));
    cleanups.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return store;
  },
};

const postgres: Backend = {
  name: "postgres",
  async open() {
    const pg = await sharedPostgres();
    const database = `store_${process.pid}_${++databases}`;
    await pg.createDatabase(database);
    const store = openPostgresStore(pg.settings(database), silentLog);
    await store.migrate();
    cleanups.push(() => store.close());
    return store;
  },
};

/** SQLite always; PostgreSQL where it is installed (said loudly where not; CI installs it). */
export function backends(): Backend[] {
  return postgresMissing() ? [sqlite] : [sqlite, postgres];
}
