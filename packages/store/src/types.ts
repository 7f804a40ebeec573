import type { ConfigData, EntityKinds, EntityName } from "@tether/core";

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

/**
 * How a write addressed its entity, for the answers that name it: Kong's DB-less refusal says
 * `cannot create or update 'services' entities by 'name'` when the URL used the endpoint key.
 */
export interface WriteIntent {
  /** The endpoint key the URL named the entity by; absent for ids. */
  by?: string | undefined;
}

/** One entity kind's rows. Every method is one statement or one transaction. */
export interface EntityStore<N extends EntityName> {
  readonly name: N;
  get(id: string): Promise<EntityKinds[N] | undefined>;
  /** Looks an entity up by one of its unique fields (e.g. a service by name). */
  getBy(field: string, value: string): Promise<EntityKinds[N] | undefined>;
  list(options: ListOptions): Promise<Page<EntityKinds[N]>>;
  all(): Promise<EntityKinds[N][]>;
  count(foreign: { field: string; id: string }): Promise<number>;
  insert(entity: EntityKinds[N]): Promise<EntityKinds[N]>;
  /** Replaces the row with this id, or inserts it (PUT). */
  upsert(entity: EntityKinds[N], intent?: WriteIntent): Promise<EntityKinds[N]>;
  /** Replaces an existing row (PATCH). */
  update(entity: EntityKinds[N], intent?: WriteIntent): Promise<EntityKinds[N]>;
  delete(id: string, intent?: WriteIntent): Promise<boolean>;
}

export type Daos = { readonly [N in EntityName]: EntityStore<N> };

/** What reads and writes: the store itself, or one transaction on it. */
export interface StoreSession {
  readonly daos: Daos;
  /**
   * Runs `fn` in one transaction (a savepoint when already in one): all of its writes, or none.
   * Use the session `fn` is given: writes through another session are not part of it.
   */
  transaction<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T>;
  tags(options: TagListOptions): Promise<Page<TagRow>>;
}

/** `sqlite` (embedded default), `postgres` (a cluster of nodes), `off` (DB-less: a declarative file). */
export type DatabaseKind = "sqlite" | "postgres" | "off";

export interface Store extends StoreSession {
  readonly database: DatabaseKind;
  /** The config version: moves with every committed write. */
  version(): Promise<number>;
  /** Every entity and the version they make, read consistently (one read transaction). */
  load(): Promise<ConfigData>;
  /** Whether the database answers now (never throws). */
  reachable(): Promise<boolean>;
  /**
   * A secret every node shares (e.g. the key of session cookies), created once: the first
   * caller's `make()` wins, every later caller on any node reads it.
   */
  sharedSecret(name: string, make: () => Buffer): Promise<Buffer>;
  /**
   * Calls `listener` when another session or node may have changed the configuration (PostgreSQL
   * LISTEN/NOTIFY; also after a reconnect, to catch up). Polling `version()` stays the fallback.
   */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}
