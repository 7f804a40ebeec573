import type { RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField } from "./common.ts";

/** An SNI name (exact or with one leading/trailing wildcard label) served by a certificate. */
export const sniSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "name", "certificate"],
  properties: {
    ...baseProperties,
    name: {
      type: "string",
      pattern: "^(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?(\\.\\*)?$",
      message: "invalid value: must be a valid hostname, optionally with one leading or trailing wildcard",
    },
    certificate: foreignField("certificates", false),
  },
};
