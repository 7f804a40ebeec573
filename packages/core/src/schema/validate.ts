import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FieldError, FieldErrors } from "../errors/kong-error.ts";
import type { FieldSchema, JsonType, RecordSchema } from "./types.ts";
import { heldReferences, type HeldReference } from "../vault/referenceable.ts";
import { parseReference } from "../vault/reference.ts";

/**
 * Validation with ajv, reported in Kong's words. `useDefaults` fills defaults in place;
 * annotations (kongType, foreign, message, …) are declared as keywords so `strict` stays on.
 */
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true });
addFormats.default(ajv, ["uuid", "uri"]);
for (const keyword of ["kongType", "foreign", "message", "encrypted", "referenceable"]) ajv.addKeyword({ keyword });

const compiled = new WeakMap<RecordSchema, ValidateFunction>();

export function compile(schema: RecordSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates `value` in place (defaults filled) and returns Kong-shaped field errors, if any. */
export function validateRecord(schema: RecordSchema, value: unknown): FieldErrors | undefined {
  const validate = compile(schema);
  const valid = validate(value);
  const held = heldReferences(schema, value);
  // Kong (kong/db/schema/init.lua): a reference in a referenceable field skips the field's own
  // checks (a `{vault://…}` is no URL), and is then checked as a reference here.
  const errors = valid ? [] : (validate.errors ?? []).filter((error) => !held.some((h) => error.instancePath === pointerOf(h)));
  const fields: FieldErrors = {};
  for (const error of errors) addError(fields, schema, value, error);
  for (const { path, reference } of held) {
    const parsed = parseReference(reference);
    if (!parsed.ok) place(fields, path.map(String), parsed.error);
  }
  if (Object.keys(fields).length > 0) return fields;
  // ajv said invalid: never let a message we failed to place turn that into "valid".
  return errors.length > 0 ? { "@entity": ["invalid value"] } : undefined;
}

const pointerOf = (held: HeldReference): string =>
  held.path.map((segment) => `/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

function typeName(types: JsonType | JsonType[] | undefined, schema: FieldSchema | undefined): string {
  if (schema?.kongType === "set") return "a set";
  if (schema?.kongType === "map") return "a map";
  const list = (Array.isArray(types) ? types : [types]).filter((t) => t && t !== "null");
  switch (list[0]) {
    case "string": return "a string";
    case "integer": return "an integer";
    case "number": return "a number";
    case "boolean": return "a boolean";
    case "array": return "an array";
    case "object": return "a record";
    default: return "a valid value";
  }
}

/** Kong quotes the offending value in some messages: `%s` in a schema's `message` stands for it. */
const withValue = (message: string, data: unknown): string => message.replace("%s", () => String(data));

function messageFor(error: ErrorObject, schema: FieldSchema | undefined, data: unknown): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": return "required field missing";
    case "additionalProperties": return "unknown field";
    case "type": return schema?.type === "null" ? "value must be null" : `expected ${typeName(schema?.type, schema)}`;
    case "enum": return schema?.message ?? `expected one of: ${((p["allowedValues"] as unknown[]) ?? []).filter((v) => v !== null).join(", ")}`;
    case "const": return `value must be ${p["allowedValue"] === null ? "null" : JSON.stringify(p["allowedValue"])}`;
    case "minimum":
    case "maximum":
      return schema?.minimum !== undefined && schema?.maximum !== undefined
        ? `value should be between ${schema.minimum} and ${schema.maximum}`
        : `value must be ${error.keyword === "minimum" ? "greater" : "less"} than or equal to ${String(p["limit"])}`;
    case "minLength": return `length must be at least ${String(p["limit"])}`;
    case "maxLength": return `length must be at most ${String(p["limit"])}`;
    case "minItems": return `length must be at least ${String(p["limit"])}`;
    case "maxItems": return `length must be at most ${String(p["limit"])}`;
    case "format": return p["format"] === "uuid" ? "expected a valid UUID" : `expected a valid ${String(p["format"])}`;
    case "pattern": return schema?.message ? withValue(schema.message, data) : "invalid value";
    case "uniqueItems": return "duplicate values are not allowed";
    default: return error.message ?? "invalid value";
  }
}

/** The schema node an instance path points at, walking properties/items/additionalProperties. */
function schemaAt(root: FieldSchema, segments: string[]): FieldSchema | undefined {
  let node: FieldSchema | undefined = root;
  for (const segment of segments) {
    if (!node) return undefined;
    if (node.properties && Object.hasOwn(node.properties, segment)) node = node.properties[segment];
    else if (node.items && /^\d+$/.test(segment)) node = node.items;
    else if (node.additionalProperties && typeof node.additionalProperties === "object") node = node.additionalProperties;
    else return undefined;
  }
  return node;
}

/** The value an instance path points at (own properties only). */
function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function addError(fields: FieldErrors, root: RecordSchema, value: unknown, error: ErrorObject): void {
  const segments = error.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const data = valueAt(value, segments);
  const p = error.params as Record<string, unknown>;
  if (error.keyword === "required") segments.push(String(p["missingProperty"]));
  if (error.keyword === "additionalProperties") segments.push(String(p["additionalProperty"]));
  const schema = schemaAt(root, segments);
  const message = messageFor(error, schema, data);
  if (segments.length === 0) {
    const list = (fields["@entity"] as string[] | undefined) ?? [];
    if (!list.includes(message)) list.push(message);
    fields["@entity"] = list;
    return;
  }
  place(fields, segments, message);
}

/** Puts a message at a nested path; array indices become positions in an array, as Kong's Lua tables encode. */
function place(container: FieldErrors | (FieldError | null)[], segments: string[], message: string): void {
  const [head, ...rest] = segments as [string, ...string[]];
  const isIndex = Array.isArray(container);
  const key: string | number = isIndex ? Number(head) : head;
  // Own properties only: a field named `constructor` or `__proto__` must not find (or set) Object's.
  const get = (): FieldError | null | undefined =>
    isIndex
      ? (container as (FieldError | null)[])[key as number]
      : Object.hasOwn(container, key)
        ? (container as FieldErrors)[key as string]
        : undefined;
  const set = (v: FieldError): void => {
    if (isIndex) {
      const arr = container as (FieldError | null)[];
      while (arr.length < (key as number)) arr.push(null);
      arr[key as number] = v;
    } else Object.defineProperty(container, key, { value: v, enumerable: true, writable: true, configurable: true });
  };
  if (rest.length === 0) {
    if (get() === undefined || get() === null) set(message);
    return;
  }
  let child = get();
  if (child === undefined || child === null || typeof child === "string") {
    if (typeof child === "string") return; // a message on the parent already explains the failure
    child = /^\d+$/.test(rest[0]!) ? [] : {};
    set(child);
  }
  place(child as FieldErrors | (FieldError | null)[], rest, message);
}

/** Fills every property a record schema declares but the value lacks with null, as Kong returns them. */
export function fillNulls(value: Record<string, unknown>, schema: FieldSchema): Record<string, unknown> {
  if (!schema.properties) return value;
  for (const [key, sub] of Object.entries(schema.properties)) {
    const current = value[key];
    if (current === undefined) value[key] = null;
    else if (current && typeof current === "object" && !Array.isArray(current) && sub.properties)
      fillNulls(current as Record<string, unknown>, sub);
  }
  return value;
}
