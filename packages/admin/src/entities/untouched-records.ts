import { isDeepStrictEqual } from "node:util";
import { isRecord, type FieldSchema } from "@tether/core";

type Input = Record<string, unknown>;

/**
 * Whether `value` is what Kong Manager's plugin form sends for an optional record the user never
 * opened: each field it holds is one the schema has a default for, at that default (so none of
 * the required fields without one). (The form fills every defaulted field from the schema and sends
 * the record whole.) An empty `{}` is not such a record: it stays a schema violation.
 */
function untouched(value: unknown, schema: FieldSchema): boolean {
  const optional = Array.isArray(schema.type) && schema.type.includes("null") && schema.default === undefined;
  if (!optional || !schema.properties || !schema.required?.length || !isRecord(value)) return false;
  const fields = Object.entries(value);
  if (!fields.length) return false;
  return fields.every(([name, given]) => {
    const field = Object.hasOwn(schema.properties!, name) ? schema.properties![name] : undefined;
    return field?.default !== undefined && isDeepStrictEqual(given, field.default);
  });
}

/**
 * A plugin `config` with each untouched optional record (see `untouched`) set to null, so Kong
 * Manager can save a form whose record the user left alone: Kong's own schema would otherwise
 * refuse the required fields it lacks. Anything else is left for validation to judge.
 */
export function dropUntouchedRecords(config: unknown, schema: FieldSchema): unknown {
  if (!isRecord(config) || !schema.properties) return config;
  const out: Input = { ...config };
  for (const [name, value] of Object.entries(config)) {
    const field = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    if (field && untouched(value, field)) out[name] = null;
  }
  return out;
}
