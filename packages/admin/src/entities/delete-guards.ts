/**
 * Deletes Kong refuses beyond foreign keys: references held in arrays of ids, which no
 * foreign-key column can see. Runs before the generic `on_delete = restrict` checks, as Kong's
 * DAO override does (kong/db/dao/ca_certificates.lua).
 */
import { referencedByOthers, type EntityName } from "@tether/core";
import type { StoreSession } from "@tether/store";

const names = (list: unknown, id: string): boolean =>
  Array.isArray(list) && list.some((item) => typeof item === "string" && item.toLowerCase() === id);

/**
 * A CA certificate stays while a service's `ca_certificates` or a plugin's `config.ca_certificates`
 * (mtls-auth, or any plugin with such a field, as Kong finds them by schema) names it: 400 code 19,
 * services checked first.
 */
async function assertCaUnreferenced(store: StoreSession, id: string): Promise<void> {
  const service = (await store.daos.services.all()).find((s) => names(s.ca_certificates, id));
  if (service) throw referencedByOthers(`ca certificate ${id} is still referenced by services (id = ${service.id})`);
  const plugin = (await store.daos.plugins.all()).find((p) => names(p.config["ca_certificates"], id));
  if (plugin) throw referencedByOthers(`ca certificate ${id} is still referenced by plugins (id = ${plugin.id})`);
}

/** Throws the Kong error that forbids deleting this entity, if any. */
export async function guardDelete(store: StoreSession, kind: EntityName, id: string): Promise<void> {
  if (kind === "ca_certificates") await assertCaUnreferenced(store, id);
}
