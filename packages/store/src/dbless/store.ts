import { operationUnsupported, type ConfigData, type EntityName } from "@tether/core";
import { readConfigFile, writeConfigFile } from "../config-file.ts";
import { openSqliteStore, type SqliteStore } from "../sqlite/store.ts";
import { tables } from "../tables.ts";
import type { Daos, EntityStore, Page, Store, StoreSession, TagListOptions, TagRow, WriteIntent } from "../types.ts";

/** Kong's `configuration_hash` of a node that has loaded nothing. */
export const EMPTY_CONFIGURATION_HASH = "00000000000000000000000000000000";

/** Referenced before referencing: the order a whole configuration is inserted in. */
const INSERT_ORDER: readonly EntityName[] = [
  "certificates", "ca_certificates", "snis", "services", "routes", "consumers", "plugins", "mtls_auth_credentials", "upstreams", "targets", "vaults", "key_sets", "keys",
];

/** A fresh in-memory store holding `data` (already validated: it was applied before). */
export async function storeFromConfig(data: ConfigData): Promise<SqliteStore> {
  const store = await openSqliteStore(":memory:");
  await store.transaction(async (tx) => {
    for (const name of INSERT_ORDER) {
      const dao = tx.daos[name] as EntityStore<EntityName>;
      for (const entity of data[name]) await dao.insert(entity);
    }
  });
  return store;
}

interface Loaded {
  store: SqliteStore;
  version: number;
  hash: string;
}

/**
 * The store of a DB-less node (`database = off`): the whole configuration in memory (an in-memory
 * SQLite, so lists, pages and tag filters are the same code as everywhere), replaced whole by
 * `POST /config`, never written entity by entity: every write answers Kong's 405 (code 12).
 */
export class DblessStore implements Store {
  readonly database = "off" as const;
  readonly daos: Daos;
  private loaded: Loaded;
  private readonly listeners = new Set<() => void>();
  private readonly secrets = new Map<string, Buffer>();

  private constructor(
    initial: Loaded,
    private readonly persistPath: string | undefined,
  ) {
    this.loaded = initial;
    const daos = {} as Record<EntityName, EntityStore<EntityName>>;
    for (const name of Object.keys(tables) as EntityName[]) daos[name] = this.readOnlyDao(name);
    this.daos = daos as unknown as Daos;
  }

  /**
   * A DB-less store kept in `persistPath` (when given): it starts from what the file holds (Kong
   * reuses its persisted LMDB config), and every configuration it takes is written back there
   * atomically, which is also how a primary hands it to its workers.
   */
  static async open(persistPath?: string): Promise<DblessStore> {
    const persisted = persistPath ? readConfigFile(persistPath) : undefined;
    const store = persisted ? await storeFromConfig(persisted.data) : await openSqliteStore(":memory:");
    const dbless = new DblessStore(
      { store, version: persisted?.data.version ?? 0, hash: persisted?.header.hash ?? EMPTY_CONFIGURATION_HASH },
      persistPath,
    );
    if (!persisted) await dbless.persist();
    return dbless;
  }

  private async persist(): Promise<void> {
    if (this.persistPath) writeConfigFile(this.persistPath, await this.load(), this.loaded.hash);
  }

  /** Kong's `configuration_hash`: the MD5 of the declarative configuration last loaded. */
  get configurationHash(): string {
    return this.loaded.hash;
  }

  /** Swaps in a whole new configuration (built and validated elsewhere) as the next version. */
  async replace(store: SqliteStore, hash: string): Promise<number> {
    const previous = this.loaded.store;
    this.loaded = { store, version: this.loaded.version + 1, hash };
    await this.persist();
    for (const listener of this.listeners) listener();
    await previous.close(); // waits for any read still running on it
    return this.loaded.version;
  }

  private readOnlyDao<N extends EntityName>(name: N): EntityStore<N> {
    const inner = (): EntityStore<N> => this.loaded.store.daos[name] as EntityStore<N>;
    const refuse = (verb: string) => async (_entity: unknown, intent?: WriteIntent): Promise<never> => {
      throw operationUnsupported(verb, name, intent?.by);
    };
    return {
      name,
      get: (id) => inner().get(id),
      getBy: (field, value) => inner().getBy(field, value),
      list: (options) => inner().list(options),
      all: () => inner().all(),
      count: (foreign) => inner().count(foreign),
      insert: refuse("create"),
      upsert: refuse("create or update"),
      update: refuse("update"),
      delete: refuse("remove"),
    };
  }

  /** Reads only: there is nothing to make atomic. */
  transaction<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return fn(this);
  }

  tags(options: TagListOptions): Promise<Page<TagRow>> {
    return this.loaded.store.tags(options);
  }

  async version(): Promise<number> {
    return this.loaded.version;
  }

  async load(): Promise<ConfigData> {
    const { store, version } = this.loaded;
    return { ...(await store.load()), version };
  }

  async reachable(): Promise<boolean> {
    return true;
  }

  /** No database to share through: per process, as Kong's DB-less workers (set `session_secret`). */
  async sharedSecret(name: string, make: () => Buffer): Promise<Buffer> {
    let secret = this.secrets.get(name);
    if (!secret) this.secrets.set(name, (secret = make()));
    return secret;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.loaded.store.close();
  }
}
