import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { EntityName } from "@tether/core";
import { EntityDao } from "./dao.ts";
import { migrateUp } from "./migrations.ts";

export type Daos = { readonly [N in EntityName]: EntityDao<N> };

/**
 * The SQLite store (WAL): one file under the prefix, every write one transaction that also bumps
 * the config version the proxy watches.
 */
export class Store {
  readonly db: Database.Database;
  readonly daos: Daos;
  private readonly versionStmt: Database.Statement;
  private readonly bumpStmt: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("synchronous = NORMAL");
    migrateUp(this.db);
    this.versionStmt = this.db.prepare("SELECT version FROM config_version WHERE singleton = 1");
    this.bumpStmt = this.db.prepare("UPDATE config_version SET version = version + 1 WHERE singleton = 1");
    const bump = (): void => void this.bumpStmt.run();
    this.daos = {
      services: new EntityDao(this.db, "services", bump),
      routes: new EntityDao(this.db, "routes", bump),
      consumers: new EntityDao(this.db, "consumers", bump),
      plugins: new EntityDao(this.db, "plugins", bump),
      certificates: new EntityDao(this.db, "certificates", bump),
      snis: new EntityDao(this.db, "snis", bump),
      ca_certificates: new EntityDao(this.db, "ca_certificates", bump),
      mtls_auth_credentials: new EntityDao(this.db, "mtls_auth_credentials", bump),
    };
  }

  /** Opens (creating if needed) the store file under a prefix directory. */
  static open(prefix: string): Store {
    mkdirSync(prefix, { recursive: true });
    return new Store(join(prefix, "tether.db"));
  }

  version(): number {
    return (this.versionStmt.get() as { version: number }).version;
  }

  /** Runs several DAO calls as one transaction (nested DAO transactions become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  reachable(): boolean {
    try {
      this.versionStmt.get();
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.db.close();
  }
}
