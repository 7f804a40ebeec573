import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { baseProperties } from "../entities/common.ts";
import type { BaseEntity } from "../entities/types.ts";
import { envVaultConfigSchema } from "./env-vault.ts";

/** The vaults this gateway has (Kong's bundled `env`): a reference names one, or a vault entity's prefix. */
export const VAULT_NAMES: readonly string[] = ["env"];

/** Kong's `/vaults` entity (kong/db/schema/entities/vaults.lua, `sm_vaults`): a configured vault under a prefix. */
export interface Vault extends BaseEntity {
  prefix: string;
  name: string;
  description: string | null;
  config: { prefix: string | null };
}

export const vaultSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "prefix", "name"],
  properties: {
    ...baseProperties,
    // Kong's Lua pattern ^[a-z][a-z%d-]-[a-z%d]+$: it must be a valid host in `{vault://<prefix>/…}`.
    prefix: { type: "string", minLength: 1, pattern: "^[a-z][a-z0-9-]*[a-z0-9]$", message: "invalid value: %s" },
    name: { type: "string", minLength: 1 },
    description: { type: ["string", "null"], minLength: 1 },
    config: { ...envVaultConfigSchema, default: {} },
  },
};

/** Kong's `not_one_of` on `prefix` and its subschema error on `name`. */
export function checkVault(vault: Vault): FieldErrors | undefined {
  const fields: FieldErrors = {};
  if (VAULT_NAMES.includes(vault.prefix)) fields["prefix"] = `must not be one of: ${VAULT_NAMES.join(", ")}`;
  if (!VAULT_NAMES.includes(vault.name)) fields["name"] = `vault '${vault.name}' is not installed`;
  return Object.keys(fields).length ? fields : undefined;
}
