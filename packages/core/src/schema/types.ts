/**
 * Schemas are JSON Schema (draft-07, validated by ajv), restricted to the subset Kong's
 * schema language maps onto, plus annotations that carry Kong semantics ajv does not know:
 * - `kongType: "set"` marks an array whose order does not matter (Kong's `set`), so errors
 *   read "expected a set";
 * - `foreign` names the entity a `{ "id": … }` reference points to;
 * - `message` replaces ajv's text for a `pattern`/`not` failure with Kong's wording (`%s` in it
 *   stands for the offending value, which Kong quotes in some messages);
 * - `encrypted` / `referenceable` mark secrets, which are never logged.
 * The form decoder (`form/coerce.ts`) reads `type`, `properties`, `items` and
 * `additionalProperties` to coerce form strings the way Kong's arguments decoder does.
 */
export type JsonType = "string" | "integer" | "number" | "boolean" | "array" | "object" | "null";

export interface FieldSchema {
  type?: JsonType | JsonType[];
  properties?: Record<string, FieldSchema>;
  additionalProperties?: boolean | FieldSchema;
  required?: string[];
  items?: FieldSchema;
  enum?: readonly unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  pattern?: string;
  format?: "uuid" | "uri";
  description?: string;
  kongType?: "set" | "map" | "record" | "foreign";
  foreign?: string;
  message?: string;
  encrypted?: boolean;
  referenceable?: boolean;
}

/** A record schema: the schema of an entity or of a plugin's `config`. */
export interface RecordSchema extends FieldSchema {
  type: "object";
  properties: Record<string, FieldSchema>;
}
