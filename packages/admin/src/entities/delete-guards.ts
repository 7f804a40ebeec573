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
 * Does a plugin's configuration name the CA: `config.ca_certificates` (mtls-auth, or any plugin with
 * such a field, as Kong finds them by schema) or one a record down (openid-connect's
 * `proof_of_possession_mtls_from_header.ca_certificates`, which Kong does not guard: deleting it
 * would leave the route answering 500).
 */
function pluginNamesCa(config: Record<string, unknown>, id: string): boolean {
  if (names(config["ca_certificates"], id)) return true;
  return Object.values(config).some((v) => typeof v === "object" && v !== null && !Array.isArray(v) && names((v as Record<string, unknown>)["ca_certificates"], id));
}

/**
 * A CA certificate stays while a service's `ca_certificates` or a plugin's configuration names it:
 * 400 code 19, services checked first.
 */
async function assertCaUnreferenced(store: StoreSession, id: string): Promise<void> {
  const service = (await store.daos.services.all()).find((s) => names(s.ca_certificates, id));
  if (service) throw referencedByOthers(`ca certificate ${id} is still referenced by services (id = ${service.id})`);
  const plugin = (await store.daos.plugins.all()).find((p) => pluginNamesCa(p.config, id));
  if (plugin) throw referencedByOthers(`ca certificate ${id} is still referenced by plugins (id = ${plugin.id})`);
}

/** Throws the Kong error that forbids deleting this entity, if any. */
export async function guardDelete(store: StoreSession, kind: EntityName, id: string): Promise<void> {
  if (kind === "ca_certificates") await assertCaUnreferenced(store, id);
}
