import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField } from "./common.ts";
import { sniNameError } from "./sni-name.ts";
import type { Sni } from "./types.ts";

/** An SNI name (exact, or with one wildcard as first or last character) served by a certificate. */
export const sniSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "name", "certificate"],
  properties: {
    ...baseProperties,
    name: { type: "string", minLength: 1 },
    certificate: foreignField("certificates", false),
  },
};

/** Kong validates the name with a custom validator (wildcard_host), reported on the field. */
export function checkSni(entity: Sni): FieldErrors | undefined {
  const error = sniNameError(entity.name);
  return error ? { name: error } : undefined;
}
