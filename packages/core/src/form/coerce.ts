/**
 * Step 3 of Kong's arguments decoder (`infer_value` in kong/api/arguments.lua): form, multipart
 * and query values arrive as strings, so the schema decides what they become. Anything that
 * does not convert is left as it is, so schema validation reports it in Kong's words.
 */
import type { FieldSchema, JsonType } from "../schema/types.ts";
import { defineOwn } from "./decode.ts";
import { isRecord } from "../is-record.ts";

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function typesOf(schema: FieldSchema): readonly JsonType[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** `properties` is a plain object: without hasOwn, `constructor` would find Object's. */
function propertySchema(schema: FieldSchema, key: string): FieldSchema | undefined {
  if (schema.properties !== undefined && Object.hasOwn(schema.properties, key)) return schema.properties[key];
  return typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
}

function coerceString(value: string, schema: FieldSchema, types: readonly JsonType[]): unknown {
  // Kong unsets a field with an empty value, whatever its type.
  if (value === "") return null;
  // With a union that admits strings, the string is already valid; converting would only guess.
  if (types.includes("string")) return value;
  if (types.includes("integer") && INTEGER.test(value)) return Number(value);
  if (types.includes("number") && DECIMAL.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  if (types.includes("boolean")) {
    // httpie -f spells `:=true` as `True`.
    if (value === "true" || value === "True") return true;
    if (value === "false" || value === "False") return false;
  }
  // A single value for an array field is a one-element array; no comma splitting, as in Kong.
  if (types.includes("array")) return [coerceToSchema(value, schema.items)];
  return value;
}

/** Kong's step 3: schema-driven type inference for form/multipart/query values. */
export function coerceToSchema(value: unknown, schema: FieldSchema | undefined): unknown {
  if (schema === undefined) return value;
  const types = typesOf(schema);

  if (typeof value === "string") return coerceString(value, schema, types);

  if (Array.isArray(value)) {
    // Repeated keys or `[n]` for a non-array field stay as they are and fail validation.
    if (!types.includes("array") && !(types.length === 0 && schema.items !== undefined)) return value;
    return value.map((item) => coerceToSchema(item, schema.items));
  }

  if (isRecord(value)) {
    const isObjectSchema =
      types.includes("object") ||
      (types.length === 0 && (schema.properties !== undefined || typeof schema.additionalProperties === "object"));
    if (!isObjectSchema) return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      defineOwn(out, key, coerceToSchema(value[key], propertySchema(schema, key)));
    }
    return out;
  }

  // Numbers and booleans only come from callers that already typed them; Kong wraps any
  // non-table for an array field. null stays null so it still unsets the field.
  if ((typeof value === "number" || typeof value === "boolean") && types.includes("array")) {
    const fits =
      typeof value === "boolean"
        ? types.includes("boolean")
        : types.includes("number") || (types.includes("integer") && Number.isInteger(value));
    if (!fits) return [coerceToSchema(value, schema.items)];
  }
  return value;
}
