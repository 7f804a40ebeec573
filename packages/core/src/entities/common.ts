import type { FieldSchema } from "../schema/types.ts";

/** Field schemas shared by every entity. */
export const uuidField: FieldSchema = { type: "string", format: "uuid" };
export const timestampField: FieldSchema = { type: "integer", minimum: 0 };
export const tagsField: FieldSchema = {
  type: ["array", "null"],
  kongType: "set",
  items: {
    type: "string",
    minLength: 1,
    // Kong: printable ASCII (space included) except `,` and `/`, plus any non-ASCII character
    pattern: "^[\\x20-\\x2B\\x2D\\x2E\\x30-\\x7E\\u0080-\\uD7FF\\uE000-\\u{10FFFF}]+$",
    message: "invalid tag '%s': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
  },
};
/** Kong's "utf8_name": ASCII letters, digits and . - _ ~, and any non-ASCII character (Lua's \128-\244 bytes). */
export const nameField: FieldSchema = {
  type: ["string", "null"],
  minLength: 1,
  pattern: "^[A-Za-z0-9._~\\u0080-\\uD7FF\\uE000-\\u{10FFFF}-]+$",
  message: "invalid value '%s': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
};
export function foreignField(entity: string, nullable = true): FieldSchema {
  return {
    type: nullable ? ["object", "null"] : "object",
    kongType: "foreign",
    foreign: entity,
    properties: { id: uuidField },
    required: ["id"],
    additionalProperties: false,
  };
}
export const baseProperties: Record<string, FieldSchema> = {
  id: uuidField,
  created_at: timestampField,
  updated_at: timestampField,
  tags: tagsField,
};
