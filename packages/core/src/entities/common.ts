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
    pattern: "^[^,/]+$",
    message: "invalid tag: expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
  },
};
/** Kong's "utf8_name": letters, digits and . - _ ~ */
export const nameField: FieldSchema = {
  type: ["string", "null"],
  minLength: 1,
  pattern: "^[\\p{L}\\p{N}._~-]+$",
  message: "invalid value: must only contain alphanumeric and '., -, _, ~' characters",
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
