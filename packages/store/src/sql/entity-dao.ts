import {
  entities,
  foreignKeyViolation,
  invalidOffset,
  primaryKeyViolation,
  uniqueViolation,
  type EntityKinds,
  type EntityName,
} from "@tether/core";
import { decodeOffset, encodeOffset } from "../offset.ts";
import { tables, type TableSpec } from "../tables.ts";
import type { EntityStore, ListOptions, Page, TagFilter } from "../types.ts";
import type { Dialect, SqlConnection, SqlValue } from "./connection.ts";

interface Row {
  entity: string;
}

/** How a DAO reaches its database: a connection to read on, and a way to write (a transaction or savepoint that also bumps the version). */
export interface DaoAccess {
  readonly dialect: Dialect;
  read(): SqlConnection;
  write<T>(fn: (conn: SqlConnection) => Promise<T>): Promise<T>;
}

/** One DAO per entity kind, all of one shape: rows hold the entity as JSON plus indexed columns. */
export class SqlEntityDao<N extends EntityName> implements EntityStore<N> {
  private readonly columns: string[];
  private readonly insertSql: string;
  private readonly updateSql: string;

  constructor(
    private readonly access: DaoAccess,
    readonly name: N,
  ) {
    this.columns = ["id", "created_at", "updated_at", ...Object.keys(tables[name].columns), "entity"];
    this.insertSql = `INSERT INTO ${name} (${this.columns.join(", ")}) VALUES (${this.columns.map(() => "?").join(", ")})`;
    const assignments = this.columns.filter((c) => c !== "id").map((c) => `${c} = ?`);
    this.updateSql = `UPDATE ${name} SET ${assignments.join(", ")} WHERE id = ?`;
  }

  async get(id: string): Promise<EntityKinds[N] | undefined> {
    return this.one(`SELECT entity FROM ${this.name} WHERE id = ?`, [id]);
  }

  async getBy(field: string, value: string): Promise<EntityKinds[N] | undefined> {
    if (!(field in tables[this.name].columns)) return undefined;
    return this.one(`SELECT entity FROM ${this.name} WHERE ${field} = ?`, [value]);
  }

  async list(options: ListOptions): Promise<Page<EntityKinds[N]>> {
    const where: string[] = [];
    const params: SqlValue[] = [];
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
      const condition = tagCondition(this.access.dialect, options.tags);
      where.push(condition.sql);
      params.push(...condition.params);
    }
    const sql = `SELECT id, entity FROM ${this.name}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`;
    const rows = await this.access.read().all<Row & { id: string }>(sql, [...params, options.size + 1]);
    const more = rows.length > options.size;
    const page = rows.slice(0, options.size);
    return {
      data: page.map((r) => JSON.parse(r.entity) as EntityKinds[N]),
      offset: more ? encodeOffset([page[page.length - 1]!.id]) : undefined,
    };
  }

  async all(): Promise<EntityKinds[N][]> {
    const rows = await this.access.read().all<Row>(`SELECT entity FROM ${this.name} ORDER BY id`);
    return rows.map((r) => JSON.parse(r.entity) as EntityKinds[N]);
  }

  async count(foreign: { field: string; id: string }): Promise<number> {
    const column = tables[this.name].foreignColumns[foreign.field];
    if (!column) return 0;
    const [row] = await this.access.read().all<{ n: number | string }>(`SELECT count(*) AS n FROM ${this.name} WHERE ${column} = ?`, [foreign.id]);
    return Number(row?.n ?? 0);
  }

  async insert(entity: EntityKinds[N]): Promise<EntityKinds[N]> {
    await this.write(entity, (conn) => conn.run(this.insertSql, this.values(entity)));
    return entity;
  }

  async upsert(entity: EntityKinds[N]): Promise<EntityKinds[N]> {
    await this.write(entity, async (conn) => {
      if ((await conn.run(this.updateSql, this.updateValues(entity))) === 0) await conn.run(this.insertSql, this.values(entity));
    });
    return entity;
  }

  async update(entity: EntityKinds[N]): Promise<EntityKinds[N]> {
    await this.write(entity, (conn) => conn.run(this.updateSql, this.updateValues(entity)));
    return entity;
  }

  async delete(id: string): Promise<boolean> {
    return this.access.write(async (conn) => (await conn.run(`DELETE FROM ${this.name} WHERE id = ?`, [id])) > 0);
  }

  private async one(sql: string, params: SqlValue[]): Promise<EntityKinds[N] | undefined> {
    const [row] = await this.access.read().all<Row>(sql, params);
    return row ? (JSON.parse(row.entity) as EntityKinds[N]) : undefined;
  }

  /** Column values in `this.columns` order. */
  private values(entity: EntityKinds[N]): SqlValue[] {
    const spec = tables[this.name] as TableSpec<EntityKinds[N]>;
    const computed = Object.values(spec.columns).map((read) => read(entity));
    // mtls_auth_credentials have no updated_at (Kong): the column then keeps the creation time
    const updatedAt = "updated_at" in entity ? entity.updated_at : entity.created_at;
    return [entity.id, entity.created_at, updatedAt, ...computed, JSON.stringify(entity)];
  }

  private updateValues(entity: EntityKinds[N]): SqlValue[] {
    const [id, ...rest] = this.values(entity);
    return [...rest, id!];
  }

  /** Runs a write with the version bump; maps constraint errors to Kong's. */
  private async write(entity: EntityKinds[N], fn: (conn: SqlConnection) => Promise<unknown>): Promise<void> {
    try {
      await this.access.write(fn);
    } catch (error) {
      throw this.translate(error, entity);
    }
  }

  private translate(error: unknown, entity: EntityKinds[N]): unknown {
    const violation = this.access.dialect.violation(error);
    if (!violation) return error;
    if (violation.kind === "primary_key") return primaryKeyViolation(entity.id);
    if (violation.kind === "unique") {
      const cacheKeyFields = (tables[this.name] as TableSpec<EntityKinds[N]>).cacheKeyFields;
      if (violation.column === "cache_key" && cacheKeyFields) return uniqueViolation(cacheKeyFields(entity));
      if (violation.column === "id") return primaryKeyViolation(entity.id);
      return uniqueViolation({ [violation.column]: (entity as unknown as Record<string, unknown>)[violation.column] });
    }
    const record = entity as unknown as Record<string, { id: string } | null>;
    for (const [field, { entity: target }] of Object.entries(entities[this.name].foreignKeys)) {
      const ref = record[field];
      if (ref) return foreignKeyViolation(field, ref.id, target);
    }
    return error;
  }
}

/** The entity's `tags` (a JSON array in the row) contain all, or any, of the wanted tags. */
function tagCondition(dialect: Dialect, filter: TagFilter): { sql: string; params: string[] } {
  const items = dialect.jsonTextItems("entity", "tags");
  const has = (test: string): string => `EXISTS (SELECT 1 FROM ${items.from} WHERE ${items.where} AND ${items.value} ${test})`;
  if (filter.match === "any")
    return { sql: has(`IN (${filter.tags.map(() => "?").join(", ")})`), params: [...filter.tags] };
  return { sql: filter.tags.map(() => has("= ?")).join(" AND "), params: [...filter.tags] };
}

function decodeIdOffset(offset: string): string {
  const [id] = decodeOffset(offset);
  if (typeof id !== "string") throw invalidOffset(offset, "bad json encoding");
  return id;
}
