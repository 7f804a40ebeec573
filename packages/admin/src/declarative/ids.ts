import { createHash } from "node:crypto";
import { entities, type EntityName } from "@tether/core";

/**
 * Kong's deterministic ids for declarative entries that carry none (declarative_config.lua,
 * generate_ids): a name-based UUID v5 under a per-entity namespace, so importing the same file
 * twice updates the same rows instead of colliding with itself. Entities with neither an endpoint
 * key value nor a cache key (certificates, CA certificates, unnamed routes…) get a random id.
 */

/** Kong's root namespace for entity ids (`uuid.factory_v5("fd02801f-…")`). */
const ROOT_NAMESPACE = "fd02801f-0957-4a15-a55a-c8d9606f30b5";

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash("sha1").update(Buffer.from(namespace.replace(/-/g, ""), "hex")).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Kong's cache keys, the fallback seed when an entry has no endpoint key value. */
const CACHE_KEYS: Partial<Record<EntityName, readonly string[]>> = {
  plugins: ["name", "route", "service", "consumer"],
  mtls_auth_credentials: ["subject_name", "ca_certificate"],
  targets: ["upstream", "target"],
  keys: ["kid", "set"],
};
/** Cache-key fields without which Kong gives up on a deterministic id. */
const REQUIRED: ReadonlySet<string> = new Set(["name", "subject_name", "target", "kid"]);

/** The seed Kong's build_cache_key makes: string values only; the parent's id for the nesting field. */
function cacheKeySeed(kind: EntityName, entry: Record<string, unknown>, parent: { field: string; id: string } | undefined): string | undefined {
  const parts: string[] = [kind];
  for (const field of CACHE_KEYS[kind] ?? []) {
    const value = entry[field];
    if (typeof value === "string") parts.push(value);
    else if (value === undefined) {
      if (parent?.field === field) parts.push(parent.id);
      else if (REQUIRED.has(field)) return undefined;
      else parts.push("");
    }
    // Kong skips explicit nulls and records ({id = …}) without a placeholder: so do we.
  }
  return parts.join(":");
}

/** The id Kong would give an entry without one, or undefined when Kong would pick a random one. */
export function declarativeId(kind: EntityName, entry: Record<string, unknown>, parent?: { field: string; id: string }): string | undefined {
  const key = entities[kind].endpointKey;
  const value = key ? entry[key] : undefined;
  const seed = typeof value === "string" ? value : CACHE_KEYS[kind] ? cacheKeySeed(kind, entry, parent) : undefined;
  if (seed === undefined) return undefined;
  return uuidV5(uuidV5(ROOT_NAMESPACE, kind), seed);
}
