import type { FieldSchema } from "@tether/core";

/**
 * Kong's `custom_fields_by_lua` (typedefs.lua_code): field name -> Lua expression, run in a
 * sandbox to add, replace or remove fields of the serialized entry. Tether runs no Lua: the field
 * is in the schema so that Kong's exports (which carry it as `null`) load unchanged, and a
 * non-empty map is refused (see `luaCodeRefused`) rather than accepted and silently ignored.
 */
export const customFieldsByLua: FieldSchema = {
  type: ["object", "null"],
  kongType: "map",
  additionalProperties: { type: "string", minLength: 1 },
  description: "Lua code as a key-value map. Not supported by Tether: only null or {} is accepted.",
};

export const LUA_NOT_SUPPORTED = "Tether does not run Lua: custom_fields_by_lua must be null or empty";

/** The field error for a non-empty `custom_fields_by_lua`, or undefined. */
export function luaCodeRefused(value: Record<string, string> | null | undefined): { custom_fields_by_lua: string } | undefined {
  return value && Object.keys(value).length > 0 ? { custom_fields_by_lua: LUA_NOT_SUPPORTED } : undefined;
}
