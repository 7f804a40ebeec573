import { invalidOffset, type EntityName } from "@tether/core";
import { decodeOffset, encodeOffset } from "../offset.ts";
import { tables } from "../tables.ts";
import type { Page, TagListOptions, TagRow } from "../types.ts";
import type { Dialect, SqlConnection, SqlValue } from "./connection.ts";

interface Row extends TagRow {
  position: number | string;
}

/**
 * Every (entity, tag) pair across all entity tables, read from the entities' JSON `tags`.
 * Kong keeps a `tags` table for this; deriving it keeps one source of truth. The order is
 * (entity id, table, position in the entity's tags), so the offset is that key of the last row.
 */
export async function pageTags(conn: SqlConnection, dialect: Dialect, options: TagListOptions): Promise<Page<TagRow>> {
  const items = dialect.jsonTextItems("t.entity", "tags");
  const union = (Object.keys(tables) as EntityName[])
    .map(
      (name) =>
        `SELECT '${name}' AS entity_name, t.id AS entity_id, ${items.value} AS tag, ${items.position} AS position ` +
        `FROM ${name} t, ${items.from} WHERE ${items.where}`,
    )
    .join(" UNION ALL ");
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (options.tag !== undefined) {
    where.push("tag = ?");
    params.push(options.tag);
  }
  if (options.offset !== undefined) {
    where.push("(entity_id, entity_name, position) > (?, ?, ?)");
    params.push(...decodeTagOffset(options.offset));
  }
  const sql =
    `SELECT entity_name, entity_id, tag, position FROM (${union}) AS tagged` +
    `${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY entity_id, entity_name, position LIMIT ?`;
  const rows = await conn.all<Row>(sql, [...params, options.size + 1]);
  const more = rows.length > options.size;
  const page = rows.slice(0, options.size);
  const last = page[page.length - 1];
  return {
    data: page.map(({ entity_name, entity_id, tag }) => ({ entity_name, entity_id, tag })),
    offset: more && last ? encodeOffset([last.entity_id, last.entity_name, Number(last.position)]) : undefined,
  };
}

function decodeTagOffset(offset: string): [string, string, number] {
  const [id, name, position] = decodeOffset(offset);
  if (typeof id !== "string" || typeof name !== "string" || typeof position !== "number")
    throw invalidOffset(offset, "bad json encoding");
  return [id, name, position];
}
