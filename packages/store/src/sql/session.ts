import type { EntityName } from "@tether/core";
import { tables } from "../tables.ts";
import type { Daos, Page, StoreSession, TagListOptions, TagRow } from "../types.ts";
import type { SqlConnection, SqlDatabase } from "./connection.ts";
import { SqlEntityDao, type DaoAccess } from "./entity-dao.ts";
import { pageTags } from "./tags.ts";

/** Every write moves the config version the proxies watch, in the same transaction. */
async function bumpVersion(db: SqlDatabase, conn: SqlConnection): Promise<void> {
  await conn.run("UPDATE config_version SET version = version + 1 WHERE singleton = 1");
  for (const sql of db.dialect.afterWrite) await conn.run(sql);
}

/**
 * The store outside a transaction (`conn` undefined: reads in autocommit, each write its own
 * transaction) or inside one (`conn` pinned: writes and nested transactions become savepoints,
 * so a failed write leaves the rest of the transaction usable, as `config db_import` needs).
 * A session runs one statement at a time: callers await each call before the next.
 */
export class SqlSession implements StoreSession {
  readonly daos: Daos;

  constructor(
    protected readonly db: SqlDatabase,
    private readonly conn: SqlConnection | undefined = undefined,
    private readonly depth = 0,
  ) {
    const access: DaoAccess = {
      dialect: db.dialect,
      read: () => this.conn ?? db.direct,
      write: (fn) =>
        this.transaction(async (tx) => {
          const result = await fn((tx as SqlSession).conn!);
          await bumpVersion(db, (tx as SqlSession).conn!);
          return result;
        }),
    };
    const daos = {} as Record<EntityName, SqlEntityDao<EntityName>>;
    for (const name of Object.keys(tables) as EntityName[]) daos[name] = new SqlEntityDao(access, name);
    this.daos = daos as unknown as Daos;
  }

  async transaction<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    if (!this.conn) return this.db.transaction((conn) => fn(new SqlSession(this.db, conn, 1)), "write");
    const savepoint = `tether_sp${this.depth}`;
    await this.conn.run(`SAVEPOINT ${savepoint}`);
    try {
      const result = await fn(new SqlSession(this.db, this.conn, this.depth + 1));
      await this.conn.run(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (error) {
      await this.conn.run(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await this.conn.run(`RELEASE SAVEPOINT ${savepoint}`);
      throw error;
    }
  }

  tags(options: TagListOptions): Promise<Page<TagRow>> {
    return pageTags(this.conn ?? this.db.direct, this.db.dialect, options);
  }
}
