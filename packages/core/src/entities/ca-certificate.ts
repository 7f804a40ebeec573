import type { RecordSchema } from "../schema/types.ts";
import { baseProperties } from "./common.ts";

export const caCertificateSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "cert"],
  properties: {
    ...baseProperties,
    cert: { type: "string", minLength: 1 },
    cert_digest: { type: ["string", "null"], pattern: "^[0-9a-f]{64}$", message: "invalid value: expected a hex SHA-256 digest" },
  },
};
