import {
  entities,
  foreignKeysUnresolved,
  foreignKeyViolation,
  invalidPrimaryKey,
  notFound,
  type EntityKinds,
  type EntityName,
} from "@tether/core";
import { DblessStore, type StoreSession } from "@tether/store";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/**
 * A DB-less node's store (or a session on it): its strategy refuses every write, so the checks a
 * database would make (a foreign key that references nothing, a parent still referenced) never
 * come first there: Kong answers the write with its 405 (code 12) instead.
 */
export const isDbless = (store: StoreSession): store is DblessStore => store instanceof DblessStore;

/** Kong's /certificates/{x}: a non-UUID x is the name of one of the certificate's SNIs. */
export async function certificateIdBySni(store: StoreSession, name: string): Promise<string | undefined> {
  return (await store.daos.snis.getBy("name", name))?.certificate.id;
}

/**
 * A URL segment names an entity by id when it is a UUID, else by the entity's endpoint key
 * (a certificate by one of its SNI names: 404 "SNI not found" when there is no such SNI).
 */
export async function findEntity<N extends EntityName>(store: StoreSession, kind: N, idOrKey: string): Promise<EntityKinds[N] | undefined> {
  const dao = store.daos[kind];
  if (isUuid(idOrKey)) return dao.get(idOrKey.toLowerCase());
  if (kind === "certificates") {
    const id = await certificateIdBySni(store, idOrKey);
    if (id === undefined) throw notFound("SNI not found");
    return dao.get(id);
  }
  const key = entities[kind].endpointKey;
  if (!key) throw invalidPrimaryKey(idOrKey);
  return dao.getBy(key, idOrKey);
}

export async function mustFind<N extends EntityName>(store: StoreSession, kind: N, idOrKey: string): Promise<EntityKinds[N]> {
  const entity = await findEntity(store, kind, idOrKey);
  if (!entity) throw notFound();
  return entity;
}

/**
 * Kong's resolve_foreign: `service.name=x` (or any unique field) becomes `{"id": …}`; an id that
 * references nothing is a foreign key violation (code 4, the database's check: not on a DB-less
 * node), an unknown name is unresolved (code 13, the DAO's: everywhere).
 */
export async function resolveForeignKeys(store: StoreSession, kind: EntityName, input: Record<string, unknown>): Promise<void> {
  for (const [field, { entity: target }] of Object.entries(entities[kind].foreignKeys)) {
    const ref = input[field];
    if (ref === null || typeof ref !== "object" || Array.isArray(ref)) continue;
    const record = ref as Record<string, unknown>;
    if (record["id"] !== undefined) {
      if (!isUuid(record["id"])) continue; // left for validation: "expected a valid UUID"
      const id = record["id"].toLowerCase();
      if (!isDbless(store) && !(await store.daos[target].get(id))) throw foreignKeyViolation(field, id, target);
      input[field] = { id };
      continue;
    }
    for (const key of entities[target].uniqueFields) {
      const value = record[key];
      if (typeof value !== "string") continue;
      const found = await store.daos[target].getBy(key, value);
      if (!found) throw foreignKeysUnresolved(field, key, value, target);
      input[field] = { id: found.id };
      break;
    }
  }
}
