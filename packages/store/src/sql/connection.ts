/**
 * What the SQL-backed store needs of a database, whatever its dialect: statements on a connection,
 * transactions pinned to one connection, and the few SQL spellings that differ between SQLite and
 * PostgreSQL. SQL text uses `?` placeholders; a dialect rewrites them if it must.
 */
export type SqlValue = string | number | null;

export interface SqlConnection {
  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs a script of several statements without parameters (a migration). */
  exec(script: string): Promise<void>;
}

/** A constraint a failed write broke, in terms the store turns into Kong's errors. */
export type Violation =
  | { kind: "primary_key" }
  | { kind: "unique"; column: string }
  | { kind: "foreign_key" };

export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** Rows of a JSON array held in `column` at `field`: `(value, position)` for text items only. */
  jsonTextItems(column: string, field: string): { from: string; where: string; value: string; position: string };
  /** Statements that end every write transaction besides the version bump (PostgreSQL: NOTIFY). */
  readonly afterWrite: readonly string[];
  /** A query with one row whose `name` is not null when the table exists. */
  tableExists(table: string): { sql: string; params: SqlValue[] };
  /** The constraint behind a driver error, if that is what it is. */
  violation(error: unknown): Violation | undefined;
}

export interface SqlDatabase {
  readonly dialect: Dialect;
  /** Single statements in autocommit mode. */
  readonly direct: SqlConnection;
  /** BEGIN … COMMIT on one connection (ROLLBACK when `fn` throws). */
  transaction<T>(fn: (conn: SqlConnection) => Promise<T>, mode: "write" | "read"): Promise<T>;
  close(): Promise<void>;
}
