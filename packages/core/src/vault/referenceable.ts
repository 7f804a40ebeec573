import type { FieldSchema } from "../schema/types.ts";
import { isReference } from "./reference.ts";

export type FieldPath = readonly (string | number)[];

/** A reference held by a field its schema marks `referenceable` (Kong's `referenceable = true`). */
export interface HeldReference {
  readonly path: FieldPath;
  readonly reference: string;
}

function childSchema(schema: FieldSchema, key: string): FieldSchema | undefined {
  if (schema.properties && Object.hasOwn(schema.properties, key)) return schema.properties[key];
  return typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
}

/**
 * Every reference in a referenceable field of `value` (record members, array elements, map values),
 * as Kong's schema collects them into `$refs`. A reference anywhere else is a plain string.
 */
export function heldReferences(schema: FieldSchema, value: unknown, path: FieldPath = []): HeldReference[] {
  if (schema.referenceable && isReference(value)) return [{ path, reference: value }];
  if (Array.isArray(value))
    return schema.items ? value.flatMap((item, i) => heldReferences(schema.items!, item, [...path, i])) : [];
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, member]) => {
      const sub = childSchema(schema, key);
      return sub ? heldReferences(sub, member, [...path, key]) : [];
    });
  return [];
}

/** `config.client_secret[0]`: a path as an operator reads it in a log line. */
export function formatPath(path: FieldPath): string {
  return path.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join("");
}

/** A copy of `value` with the value at each path replaced; `value` itself is never changed. */
export function replaceAt<T>(value: T, replacements: readonly { path: FieldPath; value: unknown }[]): T {
  if (replacements.length === 0) return value;
  const copy = structuredClone(value);
  for (const { path, value: replacement } of replacements) {
    let node = copy as Record<string | number, unknown>;
    for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
    node[path.at(-1)!] = replacement;
  }
  return copy;
}
