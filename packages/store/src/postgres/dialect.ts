import type { Dialect, Violation } from "../sql/connection.ts";

/** PostgreSQL's error fields that say which constraint a write broke. */
interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** `?` placeholders become `$1…$n` (no statement of the store uses `?` for anything else). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function postgresDialect(channel: string): Dialect {
  return {
    name: "postgres",
    jsonTextItems: (column, field) => ({
      // A JSON null or non-array `tags` has no items (jsonb_array_elements would raise on it).
      from: `jsonb_array_elements(CASE WHEN jsonb_typeof((${column})::jsonb -> '${field}') = 'array' THEN (${column})::jsonb -> '${field}' END) WITH ORDINALITY AS j(item, position)`,
      where: "jsonb_typeof(j.item) = 'string'",
      value: "(j.item #>> '{}')",
      position: "j.position",
    }),
    // Delivered to every listening node when the transaction commits, never before.
    afterWrite: [`SELECT pg_notify('${channel}', '')`],
    tableExists: (table) => ({ sql: "SELECT to_regclass(?)::text AS name", params: [table] }),
    violation(error: unknown): Violation | undefined {
      const { code, constraint, detail } = (error ?? {}) as PgError;
      if (code === "23503") return { kind: "foreign_key" };
      if (code !== "23505") return undefined;
      if (constraint?.endsWith("_pkey")) return { kind: "primary_key" };
      const column = /^Key \((\w+)\)=/.exec(detail ?? "")?.[1];
      return column ? { kind: "unique", column } : undefined;
    },
  };
}
