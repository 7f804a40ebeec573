import type Database from "better-sqlite3";
import { invalidOffset, type EntityName } from "@tether/core";
import type { Page } from "./dao.ts";
import { decodeOffset, encodeOffset } from "./offset.ts";
import { tables } from "./tables.ts";

/** One row of Kong's `/tags` listing: a tag and the entity carrying it. */
export interface TagRow {
  entity_name: EntityName;
  entity_id: string;
  tag: string;
}

export interface TagListOptions {
  size: number;
  offset?: string | undefined;
  /** Only this tag (`/tags/{tag}`). */
  tag?: string | undefined;
}

interface Row extends TagRow {
  position: number;
}

/**
 * Every (entity, tag) pair across all entity tables, read from the entities' JSON `tags`.
 * Kong keeps a `tags` table for this; deriving it keeps one source of truth. The order is
 * (entity id, table, position in the entity's tags), so the offset is that key of the last row.
 */
export function pageTags(db: Database.Database, options: TagListOptions): Page<TagRow> {
  const union = (Object.keys(tables) as EntityName[])
    .map(
      (name) =>
        `SELECT '${name}' AS entity_name, t.id AS entity_id, j.value AS tag, j.key AS position ` +
        `FROM ${name} t, json_each(t.entity, '$.tags') j WHERE j.type = 'text'`,
    )
    .join(" UNION ALL ");
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (options.tag !== undefined) {
    where.push("tag = ?");
    params.push(options.tag);
  }
  if (options.offset !== undefined) {
    where.push("(entity_id, entity_name, position) > (?, ?, ?)");
    params.push(...decodeTagOffset(options.offset));
  }
  const sql =
    `SELECT entity_name, entity_id, tag, position FROM (${union})` +
    `${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY entity_id, entity_name, position LIMIT ?`;
  const rows = db.prepare(sql).all(...params, options.size + 1) as Row[];
  const more = rows.length > options.size;
  const page = rows.slice(0, options.size);
  const last = page[page.length - 1];
  return {
    data: page.map(({ entity_name, entity_id, tag }) => ({ entity_name, entity_id, tag })),
    offset: more && last ? encodeOffset([last.entity_id, last.entity_name, last.position]) : undefined,
  };
}

function decodeTagOffset(offset: string): [string, string, number] {
  const [id, name, position] = decodeOffset(offset);
  if (typeof id !== "string" || typeof name !== "string" || typeof position !== "number")
    throw invalidOffset(offset, "bad json encoding");
  return [id, name, position];
}
