/**
 * Our JSON Schemas rendered in Kong's schema language, as `GET /schemas/{entity}` answers:
 * `{"fields": [{"<name>": {"type": …, …}}, …], "entity_checks": […]}`. Fields keep their
 * declaration order (Kong's is meaningful: clients render forms from it), one key per object.
 *
 * The mapping is the inverse of the one the schemas are written with (see types.ts and the
 * plugin schemas): a non-nullable type is Kong's `required`, `enum` is `one_of`, `minimum` and
 * `maximum` are `between`, `kongType` tells set/map/record/foreign apart.
 */
import type { FieldSchema, JsonType, RecordSchema } from "./types.ts";
import { isRecord } from "../is-record.ts";

export type KongType = "string" | "integer" | "number" | "boolean" | "array" | "set" | "map" | "record" | "foreign";

export interface KongField {
  type: KongType;
  required?: boolean;
  auto?: boolean;
  uuid?: boolean;
  timestamp?: boolean;
  unique?: boolean;
  default?: unknown;
  one_of?: unknown[];
  between?: [number, number];
  len_min?: number;
  len_max?: number;
  eq?: null;
  reference?: string;
  on_delete?: string;
  elements?: KongField;
  keys?: KongField;
  values?: KongField;
  fields?: KongFieldEntry[];
  encrypted?: boolean;
  referenceable?: boolean;
  description?: string;
}

/** One field as Kong lists it: an object with the field's name as its only key. */
export type KongFieldEntry = Record<string, KongField>;

/** An entity check as Kong lists it, e.g. `{"at_least_one_of": ["custom_id", "username"]}`. */
export type KongEntityCheck = Readonly<Record<string, unknown>>;

export interface KongSchema {
  fields: KongFieldEntry[];
  entity_checks: KongEntityCheck[];
}

export interface KongFormatOptions {
  /** Fields the server fills in (Kong's `auto`): never required; integers among them are timestamps. */
  auto?: readonly string[];
  /** Top-level fields with a unique constraint. */
  unique?: readonly string[];
  /** What deleting the referenced entity does, per foreign field (Kong's `on_delete`). */
  onDelete?: Readonly<Record<string, string>>;
  entityChecks?: readonly KongEntityCheck[];
}

const DEFAULT_AUTO = ["id", "created_at", "updated_at"] as const;

function typesOf(schema: FieldSchema): JsonType[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? [...schema.type] : [schema.type];
}

/** The Kong type of a field; a field that can only be null is a foreign key that must stay unset. */
function kongTypeOf(schema: FieldSchema): KongType {
  if (schema.kongType === "foreign" || (schema.foreign !== undefined && typesOf(schema).every((t) => t === "null")))
    return "foreign";
  if (schema.kongType) return schema.kongType;
  const [first] = typesOf(schema).filter((t) => t !== "null");
  switch (first) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
    case "array":
      return first;
    case "object":
      return schema.properties === undefined && typeof schema.additionalProperties === "object" ? "map" : "record";
    default:
      return "string"; // an untyped field: Kong has no "any", and a string is what a form sends
  }
}

/** A map's values: the declared value schema, or (for a closed map like `ordering.before`) its properties'. */
function mapValues(schema: FieldSchema): FieldSchema | undefined {
  if (typeof schema.additionalProperties === "object") return schema.additionalProperties;
  const declared = Object.values(schema.properties ?? {});
  return declared[0];
}

/** Converts one field; `required` is the record-level knowledge of whether it may be left unset. */
export function toKongField(schema: FieldSchema, required: boolean): KongField {
  const type = kongTypeOf(schema);
  const field: KongField = { type };
  if (type === "foreign") {
    if (schema.foreign !== undefined) field.reference = schema.foreign;
    if (typesOf(schema).every((t) => t === "null")) field.eq = null;
  }
  if (required) field.required = true;
  if (schema.format === "uuid") field.uuid = true;
  if (schema.default !== undefined && !(type === "record" && isEmptyObject(schema.default))) field.default = schema.default;
  if (schema.enum !== undefined) field.one_of = schema.enum.filter((v) => v !== null);
  if (schema.minimum !== undefined && schema.maximum !== undefined) field.between = [schema.minimum, schema.maximum];
  const lenMin = schema.minLength ?? schema.minItems;
  const lenMax = schema.maxLength ?? schema.maxItems;
  if (lenMin !== undefined && lenMin > 0) field.len_min = lenMin;
  if (lenMax !== undefined) field.len_max = lenMax;
  if ((type === "array" || type === "set") && schema.items) field.elements = toKongField(schema.items, false);
  if (type === "map") {
    const keys = Object.keys(schema.properties ?? {});
    field.keys = keys.length > 0 && schema.additionalProperties === false ? { type: "string", one_of: keys } : { type: "string" };
    const values = mapValues(schema);
    if (values) field.values = toKongField(values, false);
  }
  if (type === "record") field.fields = toKongFields(schema);
  if (schema.encrypted) field.encrypted = true;
  if (schema.referenceable) field.referenceable = true;
  if (schema.description !== undefined) field.description = schema.description;
  return field;
}

function isEmptyObject(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 0;
}

/** A field Kong calls required: one that cannot be null (a default still fills it in). */
function isRequired(schema: FieldSchema): boolean {
  const types = typesOf(schema);
  return types.length > 0 && !types.includes("null");
}

/** The fields of a record schema, in declaration order. */
export function toKongFields(schema: FieldSchema, options: KongFormatOptions = {}): KongFieldEntry[] {
  const auto = new Set(options.auto ?? []);
  const unique = new Set(options.unique ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, sub]) => {
    const isAuto = auto.has(name);
    const field = toKongField(sub, !isAuto && isRequired(sub));
    if (isAuto) {
      field.auto = true;
      if (field.type === "integer") field.timestamp = true;
    }
    if (unique.has(name)) field.unique = true;
    const onDelete = options.onDelete?.[name];
    if (onDelete !== undefined && field.type === "foreign") field.on_delete = onDelete;
    return { [name]: field };
  });
}

/** An entity schema as `GET /schemas/{entity}` shows it. */
export function toKongSchema(schema: RecordSchema, options: KongFormatOptions = {}): KongSchema {
  return {
    fields: toKongFields(schema, { ...options, auto: options.auto ?? DEFAULT_AUTO }),
    entity_checks: [...(options.entityChecks ?? [])],
  };
}
