import pg from "pg";
import type { SqlConnection, SqlDatabase, SqlValue } from "../sql/connection.ts";
import { numberPlaceholders, postgresDialect } from "./dialect.ts";
import { describe, type PostgresSettings } from "./settings.ts";

/** The client options of every connection a node opens: pool members and the listener alike. */
export function clientConfig(settings: PostgresSettings): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    connectionTimeoutMillis: settings.timeout,
    query_timeout: settings.timeout,
    keepAlive: true,
    application_name: "tether",
    ssl: settings.ssl ? { rejectUnauthorized: settings.ssl_verify, ...(settings.ca.length ? { ca: settings.ca } : {}) } : false,
    // pg_schema: every connection resolves tables in that schema (validated as a plain identifier).
    ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
  };
}

/** The NOTIFY channel of one installation (a database, or a schema in it). */
export function changeChannel(settings: PostgresSettings): string {
  return settings.schema ? `tether_config_${settings.schema}` : "tether_config";
}

/**
 * One line that says why PostgreSQL could not be used, for the start-up error and the logs:
 * what was tried (never the password) and what the server or the network answered.
 */
export function describePostgresError(error: unknown, settings: PostgresSettings): string {
  const e = (error ?? {}) as { code?: string; message?: string };
  const reason = e.code === "ECONNREFUSED" ? "connection refused" : (e.message ?? String(error)).split("\n")[0];
  return `[postgres error] could not use PostgreSQL at ${describe(settings)}: ${reason}`;
}

/** Authentication or naming errors: the settings are wrong, waiting will not help. */
export function isSettingsError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "28P01" || code === "28000" || code === "3D000" || code === "3F000";
}

/** How many times a transaction PostgreSQL aborted as a deadlock or serialization failure is tried. */
const RETRIES = 3;

const wrap = (client: pg.Pool | pg.PoolClient): SqlConnection => ({
  all: async <R>(sql: string, params: readonly SqlValue[] = []) =>
    (await client.query(numberPlaceholders(sql), params as SqlValue[])).rows as R[],
  run: async (sql: string, params: readonly SqlValue[] = []) =>
    (await client.query(numberPlaceholders(sql), params as SqlValue[])).rowCount ?? 0,
  exec: async (script: string) => void (await client.query(script)),
});

/** node-postgres's pool behind the store's SQL interface; a transaction pins one pooled connection. */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect;
  readonly pool: pg.Pool;
  readonly direct: SqlConnection;

  constructor(
    readonly settings: PostgresSettings,
    onIdleError: (error: Error) => void,
  ) {
    this.dialect = postgresDialect(changeChannel(settings));
    this.pool = new pg.Pool({ ...clientConfig(settings), max: settings.pool_size, idleTimeoutMillis: 30_000 });
    // A pooled connection that dies while idle (server restart, network) must not crash the node.
    this.pool.on("error", onIdleError);
    this.direct = wrap(this.pool);
  }

  /**
   * Writers take config_version's row lock last, so two multi-write transactions on the same keys
   * can deadlock; PostgreSQL then aborts one (40P01), which is run again rather than answered 500.
   */
  async transaction<T>(fn: (conn: SqlConnection) => Promise<T>, mode: "write" | "read"): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(fn, mode);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= RETRIES || (code !== "40P01" && code !== "40001")) throw error;
      }
    }
  }

  private async transactionOnce<T>(fn: (conn: SqlConnection) => Promise<T>, mode: "write" | "read"): Promise<T> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      // Reads see one snapshot of every table (the proxy's load); writes serialise on config_version's row.
      await client.query(mode === "write" ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const result = await fn(wrap(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // An SQL error leaves a usable connection once rolled back; anything else (timeout, reset) drops it.
      failure = await client.query("ROLLBACK").then(
        () => ((error as { code?: string }).code?.length === 5 ? undefined : (error as Error)),
        (rollback: Error) => rollback,
      );
      throw error;
    } finally {
      client.release(failure);
    }
  }

  /**
   * Runs `fn` holding the installation's migration lock (a session advisory lock on a pinned
   * connection): nodes starting together on an empty database wait for one another, and the first
   * applies the migrations. `lock_timeout` bounds the wait.
   */
  async withMigrationLock<T>(fn: () => Promise<T>, lockTimeoutMs: number): Promise<T> {
    const client = await this.pool.connect();
    const key = `tether migrations ${this.settings.schema ?? ""}`;
    try {
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [key]);
      try {
        if (this.settings.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.settings.schema}`);
        return await fn();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
