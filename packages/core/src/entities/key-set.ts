import type { RecordSchema } from "../schema/types.ts";
import { baseProperties } from "./common.ts";

/**
 * Kong's key_sets (kong/db/schema/entities/key_sets.lua): a name (a plain string, unique) and
 * tags; its keys go with it (`on_delete = "cascade"` on the keys' `set`).
 */
export const keySetSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: {
    ...baseProperties,
    name: { type: ["string", "null"], minLength: 1 },
  },
};
