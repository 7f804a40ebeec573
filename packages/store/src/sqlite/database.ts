import Database from "better-sqlite3";
import type { Dialect, SqlConnection, SqlDatabase, SqlValue, Violation } from "../sql/connection.ts";

export const sqliteDialect: Dialect = {
  name: "sqlite",
  jsonTextItems: (column, field) => ({
    from: `json_each(${column}, '$.${field}') AS j`,
    where: "j.type = 'text'",
    value: "j.value",
    position: "j.key",
  }),
  afterWrite: [],
  tableExists: (table) => ({ sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", params: [table] }),
  violation(error: unknown): Violation | undefined {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message ?? "";
    if (code === "SQLITE_CONSTRAINT_PRIMARYKEY") return { kind: "primary_key" };
    if (code === "SQLITE_CONSTRAINT_UNIQUE") {
      const column = /UNIQUE constraint failed: \w+\.(\w+)/.exec(message)?.[1];
      return column ? { kind: "unique", column } : undefined;
    }
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return { kind: "foreign_key" };
    return undefined;
  },
};

/**
 * better-sqlite3 behind the async interface. SQLite has one connection here, so a transaction
 * that awaits between statements must hold everyone else off until it ends (else another
 * request's statements would run inside it): statements and transactions queue behind an open one.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = sqliteDialect;
  readonly db: Database.Database;
  readonly direct: SqlConnection;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly inside: SqlConnection;
  private open: Promise<void> | undefined;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("synchronous = NORMAL");
    this.inside = {
      all: async <R>(sql: string, params: readonly SqlValue[] = []) => this.statement(sql).all(...params) as R[],
      run: async (sql: string, params: readonly SqlValue[] = []) => this.statement(sql).run(...params).changes,
      exec: async (script: string) => void this.db.exec(script),
    };
    this.direct = {
      all: async <R>(sql: string, params: readonly SqlValue[] = []) => (await this.idle(), this.statement(sql).all(...params) as R[]),
      run: async (sql: string, params: readonly SqlValue[] = []) => (await this.idle(), this.statement(sql).run(...params).changes),
      exec: async (script: string) => (await this.idle(), void this.db.exec(script)),
    };
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private async idle(): Promise<void> {
    while (this.open) await this.open;
  }

  async transaction<T>(fn: (conn: SqlConnection) => Promise<T>, mode: "write" | "read"): Promise<T> {
    await this.idle();
    let release!: () => void;
    this.open = new Promise((resolve) => (release = resolve));
    try {
      // IMMEDIATE takes the write lock up front, so two processes cannot both read-then-write.
      this.db.exec(mode === "write" ? "BEGIN IMMEDIATE" : "BEGIN");
      try {
        const result = await fn(this.inside);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      this.open = undefined;
      release();
    }
  }

  async close(): Promise<void> {
    await this.idle();
    this.db.close();
  }
}
