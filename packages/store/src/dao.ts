import type Database from "better-sqlite3";
import {
  entities,
  foreignKeyViolation,
  invalidOffset,
  primaryKeyViolation,
  uniqueViolation,
  type EntityKinds,
  type EntityName,
} from "@tether/core";
import { decodeOffset, encodeOffset } from "./offset.ts";
import { tables, type TableSpec } from "./tables.ts";

export interface Page<E> {
  data: E[];
  /** Opaque offset of the next page, or undefined on the last one. */
  offset: string | undefined;
}

/** Kong's `?tags=` filter: `a,b` wants every tag (`all`), `a/b` any of them. */
export interface TagFilter {
  readonly tags: readonly string[];
  readonly match: "all" | "any";
}

export interface ListOptions {
  size: number;
  offset?: string | undefined;
  /** Restrict to rows whose foreign field (e.g. `service`) references this id. */
  foreign?: { field: string; id: string } | undefined;
  tags?: TagFilter | undefined;
}

interface Row {
  entity: string;
}

/** One DAO per entity kind, all of one shape: rows hold the entity as JSON plus indexed columns. */
export class EntityDao<N extends EntityName> {
  private readonly columns: string[];
  private readonly insertStmt: Database.Statement;
  private readonly updateStmt: Database.Statement;
  private readonly getStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    readonly name: N,
    private readonly onWrite: () => void,
  ) {
    this.columns = ["id", "created_at", "updated_at", ...Object.keys(tables[name].columns), "entity"];
    const placeholders = this.columns.map((c) => `@${c}`).join(", ");
    this.insertStmt = db.prepare(`INSERT INTO ${name} (${this.columns.join(", ")}) VALUES (${placeholders})`);
    this.updateStmt = db.prepare(
      `UPDATE ${name} SET ${this.columns.filter((c) => c !== "id").map((c) => `${c} = @${c}`).join(", ")} WHERE id = @id`,
    );
    this.getStmt = db.prepare(`SELECT entity FROM ${name} WHERE id = ?`);
    this.deleteStmt = db.prepare(`DELETE FROM ${name} WHERE id = ?`);
  }

  get(id: string): EntityKinds[N] | undefined {
    const row = this.getStmt.get(id) as Row | undefined;
    return row ? (JSON.parse(row.entity) as EntityKinds[N]) : undefined;
  }

  /** Looks an entity up by one of its unique fields (e.g. a service by name). */
  getBy(field: string, value: string): EntityKinds[N] | undefined {
    if (!(field in tables[this.name].columns)) return undefined;
    const row = this.db.prepare(`SELECT entity FROM ${this.name} WHERE ${field} = ?`).get(value) as Row | undefined;
    return row ? (JSON.parse(row.entity) as EntityKinds[N]) : undefined;
  }

  list(options: ListOptions): Page<EntityKinds[N]> {
    const where: string[] = [];
    const params: string[] = [];
    if (options.offset !== undefined) {
      where.push("id > ?");
      params.push(decodeIdOffset(options.offset));
    }
    if (options.foreign) {
      const column = tables[this.name].foreignColumns[options.foreign.field];
      if (!column) return { data: [], offset: undefined };
      where.push(`${column} = ?`);
      params.push(options.foreign.id);
    }
    if (options.tags) {
      // Filtering in SQL, not after the LIMIT, keeps every page full and the offsets right.
      const condition = tagCondition(options.tags);
      where.push(condition.sql);
      params.push(...condition.params);
    }
    const sql = `SELECT id, entity FROM ${this.name}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, options.size + 1) as (Row & { id: string })[];
    const more = rows.length > options.size;
    const page = rows.slice(0, options.size);
    return {
      data: page.map((r) => JSON.parse(r.entity) as EntityKinds[N]),
      offset: more ? encodeOffset([page[page.length - 1]!.id]) : undefined,
    };
  }

  all(): EntityKinds[N][] {
    return (this.db.prepare(`SELECT entity FROM ${this.name} ORDER BY id`).all() as Row[]).map(
      (r) => JSON.parse(r.entity) as EntityKinds[N],
    );
  }

  count(foreign: { field: string; id: string }): number {
    const column = tables[this.name].foreignColumns[foreign.field];
    if (!column) return 0;
    return (this.db.prepare(`SELECT count(*) AS n FROM ${this.name} WHERE ${column} = ?`).get(foreign.id) as { n: number }).n;
  }

  insert(entity: EntityKinds[N]): EntityKinds[N] {
    this.write(() => this.insertStmt.run(this.params(entity)), entity);
    return entity;
  }

  /** Replaces the row with this id, or inserts it (PUT semantics). */
  upsert(entity: EntityKinds[N]): EntityKinds[N] {
    this.write(() => {
      if (this.updateStmt.run(this.params(entity)).changes === 0) this.insertStmt.run(this.params(entity));
    }, entity);
    return entity;
  }

  delete(id: string): boolean {
    let changed = false;
    this.write(() => {
      changed = this.deleteStmt.run(id).changes > 0;
    });
    return changed;
  }

  private params(entity: EntityKinds[N]): Record<string, string | number | null> {
    const params: Record<string, string | number | null> = {
      id: entity.id,
      created_at: entity.created_at,
      // mtls_auth_credentials have no updated_at (Kong): the column then keeps the creation time
      updated_at: "updated_at" in entity ? entity.updated_at : entity.created_at,
      entity: JSON.stringify(entity),
    };
    for (const [column, read] of Object.entries(tables[this.name].columns))
      params[column] = (read as (e: EntityKinds[N]) => string | number | null)(entity);
    return params;
  }

  /** Runs a write in a transaction that also bumps the config version; maps constraint errors to Kong's. */
  private write(fn: () => void, entity?: EntityKinds[N]): void {
    try {
      this.db.transaction(() => {
        fn();
        this.onWrite();
      }).immediate();
    } catch (error) {
      throw entity ? this.translate(error, entity) : error;
    }
  }

  private translate(error: unknown, entity: EntityKinds[N]): unknown {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message ?? "";
    if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || message.includes(`${this.name}.id`)) return primaryKeyViolation(entity.id);
    if (code === "SQLITE_CONSTRAINT_UNIQUE") {
      const column = message.match(/UNIQUE constraint failed: \w+\.(\w+)/)?.[1];
      const cacheKeyFields = (tables[this.name] as TableSpec<EntityKinds[N]>).cacheKeyFields;
      if (column === "cache_key" && cacheKeyFields) return uniqueViolation(cacheKeyFields(entity));
      if (column) return uniqueViolation({ [column]: (entity as unknown as Record<string, unknown>)[column] });
    }
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
      const record = entity as unknown as Record<string, { id: string } | null>;
      for (const [field, { entity: target }] of Object.entries(entities[this.name].foreignKeys)) {
        const ref = record[field];
        if (ref) return foreignKeyViolation(field, ref.id, target);
      }
    }
    return error;
  }
}

/** The entity's `tags` (a JSON array in the row) contain all, or any, of the wanted tags. */
function tagCondition(filter: TagFilter): { sql: string; params: string[] } {
  const has = (test: string): string => `EXISTS (SELECT 1 FROM json_each(entity, '$.tags') WHERE value ${test})`;
  if (filter.match === "any")
    return { sql: has(`IN (${filter.tags.map(() => "?").join(", ")})`), params: [...filter.tags] };
  return { sql: filter.tags.map(() => has("= ?")).join(" AND "), params: [...filter.tags] };
}

function decodeIdOffset(offset: string): string {
  const [id] = decodeOffset(offset);
  if (typeof id !== "string") throw invalidOffset(offset, "bad json encoding");
  return id;
}
