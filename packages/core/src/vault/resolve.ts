import type { FieldSchema } from "../schema/types.ts";
import { envVariableName, validEnvPrefix } from "./env-vault.ts";
import { formatPath, heldReferences, replaceAt } from "./referenceable.ts";
import { parseReference, type VaultReference } from "./reference.ts";
import { VAULT_NAMES, type Vault } from "./vault-entity.ts";

/** Where secrets come from: the `/vaults` entities by prefix, and the process environment (env vault). */
export interface SecretSources {
  readonly vaults: readonly Vault[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The node's `vault_env_prefix`: the env vault's prefix when a reference names `env` itself. */
  readonly envPrefix?: string;
}

export type Resolution = { ok: true; value: string } | { ok: false; error: string };

/** Kong's `extract_key_from_json_string`: a member of a flat JSON object secret. The value is never quoted. */
function memberOf(secret: string, key: string): Resolution {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    json = undefined;
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return { ok: false, error: "could not get subfield value: unable to json decode value" };
  const member = (json as Record<string, unknown>)[key];
  if (member === undefined || member === null) return { ok: false, error: `could not get subfield value: subfield ${key} not found in JSON secret` };
  if (typeof member !== "string")
    return { ok: false, error: `could not get subfield value: unexpected ${typeof member} value in JSON secret for subfield ${key}` };
  return { ok: true, value: member };
}

/**
 * The env vault's configuration for a reference (Kong's get_vault_config_and_hash): the query's
 * `prefix` overrides the base one — the vault entity's, or for `env` itself the node's
 * `vault_env_prefix` (Kong's get_vault_name_and_config_by_name) — and an invalid one is dropped,
 * not fallen back from.
 */
function envPrefixFor(reference: VaultReference, sources: SecretSources): { prefix: string | undefined } | { error: string } {
  let base: string | null | undefined = sources.envPrefix;
  if (!VAULT_NAMES.includes(reference.name)) {
    const vault = sources.vaults.find((v) => v.prefix === reference.name);
    if (!vault) return { error: `could not find vault (${reference.name})` };
    base = vault.config.prefix;
  }
  return { prefix: validEnvPrefix(reference.config["prefix"] ?? base) };
}

/** Kong's `kong.vault.get` for the env vault; errors name the reference's parts, never a value. */
export function resolveReference(text: string, sources: SecretSources): Resolution {
  const parsed = parseReference(text);
  if (!parsed.ok) return parsed;
  const reference = parsed.reference;
  const config = envPrefixFor(reference, sources);
  if ("error" in config) return { ok: false, error: config.error };
  const secret = sources.env[envVariableName(reference.resource, config.prefix, reference.version)];
  if (secret === undefined) return { ok: false, error: "no value found" };
  return reference.key === undefined ? { ok: true, value: secret } : memberOf(secret, reference.key);
}

export interface UnresolvedReference {
  /** Where, e.g. `config.client_secret[0]`. */
  readonly field: string;
  readonly reference: string;
  readonly error: string;
}

/**
 * A copy of `value` with every reference in a referenceable field replaced by its secret. One that
 * does not resolve becomes `""`, as Kong's schema does (kong/db/schema/init.lua `resolve_reference`),
 * and is reported so the caller can log it once, at load, naming the entity.
 */
export function resolveReferences<T>(schema: FieldSchema, value: T, sources: SecretSources, root = ""): { value: T; unresolved: UnresolvedReference[] } {
  const unresolved: UnresolvedReference[] = [];
  const replacements = heldReferences(schema, value).map(({ path, reference }) => {
    const resolution = resolveReference(reference, sources);
    if (!resolution.ok) unresolved.push({ field: formatPath(root ? [root, ...path] : path), reference, error: resolution.error });
    return { path, value: resolution.ok ? resolution.value : "" };
  });
  return { value: replaceAt(value, replacements), unresolved };
}
