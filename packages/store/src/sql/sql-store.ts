import type { ConfigData } from "@tether/core";
import type { DatabaseKind, Store } from "../types.ts";
import type { SqlConnection, SqlDatabase } from "./connection.ts";
import { SqlSession } from "./session.ts";

async function readVersion(conn: SqlConnection): Promise<number> {
  const [row] = await conn.all<{ version: number | string }>("SELECT version FROM config_version WHERE singleton = 1");
  return Number(row?.version ?? 0);
}

/** The parts of a store that are the same SQL on SQLite and PostgreSQL. */
export class SqlStore extends SqlSession implements Store {
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly database: Exclude<DatabaseKind, "off">,
    db: SqlDatabase,
  ) {
    super(db);
  }

  version(): Promise<number> {
    return readVersion(this.db.direct);
  }

  /** One read transaction: the entities and the version they belong to agree. */
  load(): Promise<ConfigData> {
    return this.db.transaction(async (conn) => {
      const tx = new SqlSession(this.db, conn, 1);
      const { daos } = tx;
      return {
        version: await readVersion(conn),
        services: await daos.services.all(),
        routes: await daos.routes.all(),
        plugins: await daos.plugins.all(),
        consumers: await daos.consumers.all(),
        certificates: await daos.certificates.all(),
        snis: await daos.snis.all(),
        ca_certificates: await daos.ca_certificates.all(),
        mtls_auth_credentials: await daos.mtls_auth_credentials.all(),
        upstreams: await daos.upstreams.all(),
        targets: await daos.targets.all(),
        vaults: await daos.vaults.all(),
        key_sets: await daos.key_sets.all(),
        keys: await daos.keys.all(),
      };
    }, "read");
  }

  async reachable(): Promise<boolean> {
    try {
      await this.version();
      return true;
    } catch {
      return false;
    }
  }

  /** Insert-if-absent, then read: whoever inserted first, every node reads the same bytes. */
  async sharedSecret(name: string, make: () => Buffer): Promise<Buffer> {
    await this.db.direct.run("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING", [
      name,
      make().toString("base64"),
      Math.floor(Date.now() / 1000),
    ]);
    const [row] = await this.db.direct.all<{ value: string }>("SELECT value FROM secrets WHERE name = ?", [name]);
    if (!row) throw new Error(`shared secret '${name}' could not be stored`);
    return Buffer.from(row.value, "base64");
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every onChange listener (a backend calls this when it hears of a change). */
  protected changed(): void {
    for (const listener of this.listeners) listener();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
