import type { RecordSchema } from "../schema/types.ts";

/** Kong's env vault config (kong/vaults/env/schema.lua): an optional variable-name prefix. */
export const envVaultConfigSchema: RecordSchema = {
  type: "object",
  kongType: "record",
  additionalProperties: false,
  properties: {
    prefix: {
      type: ["string", "null"],
      minLength: 1,
      pattern: "^[A-Za-z_-][A-Za-z0-9_-]*$",
      message: "invalid value: %s",
      description: "The prefix for the environment variable that the value will be stored in.",
    },
  },
};

const PREFIX = new RegExp(envVaultConfigSchema.properties["prefix"]!.pattern!);

/** A prefix as Kong's env vault accepts it; anything else is ignored, as Kong drops invalid config. */
export const validEnvPrefix = (prefix: unknown): string | undefined =>
  typeof prefix === "string" && PREFIX.test(prefix) ? prefix : undefined;

/**
 * Kong's env vault `get` (kong/vaults/env/init.lua): the prefix is prepended to the resource, the
 * whole upper-cased with `-` turned to `_`; version 2 reads `<NAME>_PREVIOUS`.
 */
export function envVariableName(resource: string, prefix: string | undefined, version: number | undefined): string {
  const name = `${prefix ?? ""}${resource}`.replaceAll("-", "_").toUpperCase();
  return version === 2 ? `${name}_PREVIOUS` : name;
}
