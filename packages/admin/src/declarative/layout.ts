import { entities, type EntityName } from "@tether/core";

/**
 * The shape of Kong's declarative format that both directions share: which collections exist,
 * the order they load in, and where an entity may nest (under any entity it references, the key
 * being its collection name: `routes` in a service, `snis` in a certificate…).
 */

/** Referenced before referencing: the order entries are written in (Kong's topological sort). */
export const LOAD_ORDER: readonly EntityName[] = [
  "vaults", // first: references in later entries name them
  "key_sets",
  "keys",
  "ca_certificates",
  "certificates",
  "snis",
  "upstreams",
  "targets",
  "services",
  "routes",
  "consumers",
  "mtls_auth_credentials",
  "plugins",
];

export const isEntityName = (key: string): key is EntityName => (LOAD_ORDER as readonly string[]).includes(key);

/** For a parent kind: each child collection that may nest in it, and the child's field naming the parent. */
export function nestedCollections(parent: EntityName): ReadonlyMap<EntityName, string> {
  const out = new Map<EntityName, string>();
  for (const child of LOAD_ORDER)
    for (const [field, fk] of Object.entries(entities[child].foreignKeys)) if (fk.entity === parent) out.set(child, field);
  return out;
}

/** Foreign fields of a kind and what they reference. */
export function foreignFields(kind: EntityName): [field: string, target: EntityName][] {
  return Object.entries(entities[kind].foreignKeys).map(([field, fk]) => [field, fk.entity]);
}

