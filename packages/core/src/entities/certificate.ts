import type { RecordSchema } from "../schema/types.ts";
import { baseProperties } from "./common.ts";

const pem: RecordSchema["properties"][string] = { type: "string", minLength: 1 };

/** Kong's certificates: `cert`/`key` required, optional `cert_alt`/`key_alt` of another key type. */
export const certificateSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "cert", "key"],
  properties: {
    ...baseProperties,
    cert: pem,
    key: { ...pem, encrypted: true },
    cert_alt: { type: ["string", "null"], minLength: 1 },
    key_alt: { type: ["string", "null"], minLength: 1, encrypted: true },
  },
};
