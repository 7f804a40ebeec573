import { isRecord, KongError, type EntityName } from "@tether/core";
import type { ErrorTree } from "./errors.ts";
import { isEntityName, nestedCollections } from "./layout.ts";

/**
 * Kong's answer to a declarative configuration it cannot load (kong/db/errors.lua,
 * `declarative_config`): code 14, the errors as `fields`, shaped like the input (collections are
 * arrays by position, `null` for the entries that are fine), and a `message` that prints those
 * fields as a Lua table, as Kong's penlight `pretty.write(fields, "")` does.
 */

export type KongFields = Record<string, unknown>;

/** An own, enumerable property even for `__proto__` (an unknown field named so is reported too). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Entry numbers (1-based, Tether's ErrorTree) become positions of an array with holes as null. */
function collection(kind: EntityName, node: unknown): unknown {
  if (!isRecord(node) || !Object.keys(node).every((key) => /^[1-9]\d*$/.test(key))) return node;
  const out: unknown[] = [];
  for (const [key, value] of Object.entries(node)) out[Number(key) - 1] = entry(kind, value);
  return Array.from(out, (value) => value ?? null);
}

/** An entry's errors: its nested collections converted, its fields' errors as they are. */
function entry(kind: EntityName, node: unknown): unknown {
  if (!isRecord(node)) return node;
  const nested = nestedCollections(kind);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) define(out, key, nested.has(key as EntityName) ? collection(key as EntityName, value) : value);
  return out;
}

/** Tether's error tree in Kong's `fields` shape. */
export function kongFields(tree: ErrorTree): KongFields {
  const out: KongFields = {};
  for (const [key, value] of Object.entries(tree)) define(out, key, isEntityName(key) ? collection(key, value) : value);
  return out;
}

const LUA_KEYWORDS = new Set(
  "and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split(" "),
);
const isIdentifier = (key: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !LUA_KEYWORDS.has(key);

/** penlight's quote_string: a long bracket for text with newlines or brackets, else `%q`. */
function luaString(text: string): string {
  const brackets = [...text.matchAll(/\[(=*)\[|\](=*)\]/g)].map((m) => (m[1] ?? m[2]!).length);
  if (text.includes("\n") || brackets.length > 0) {
    const equals = "=".repeat(brackets.length ? Math.max(...brackets) + 1 : 0);
    return `[${equals}[${text.startsWith("\n") ? "\n" : ""}${text}]${equals}]`;
  }
  const escaped = text.replace(/[\\"\r\0\x01-\x1f\x7f]/g, (c, offset: number) => {
    if (c === "\\" || c === '"') return `\\${c}`;
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return /\d/.test(text[offset + 1] ?? "") ? `\\${String(code).padStart(3, "0")}` : `\\${code}`;
  });
  return `"${escaped}"`;
}

/**
 * A value as penlight's `pretty.write(value, "")` prints it: `{a="x",b={{c=1}}}`; an array's
 * leading run as list items, entries after a hole as `[n]=`; keys that are not identifiers as
 * `["@entity"]=`. (Kong's key order is its hash table's; Tether sorts keys.)
 */
export function luaTable(value: unknown): string {
  if (typeof value === "string") return luaString(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(14)));
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const items: string[] = [];
    let run = true;
    value.forEach((item, i) => {
      if (item === null || item === undefined) run = false;
      else items.push(run ? luaTable(item) : `[${i + 1}]=${luaTable(item)}`);
    });
    return `{${items.join(",")}}`;
  }
  if (isRecord(value)) {
    const items = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== null && value[key] !== undefined)
      .map((key) => `${isIdentifier(key) ? key : `[${luaString(key)}]`}=${luaTable(value[key])}`);
    return `{${items.join(",")}}`;
  }
  return "nil";
}

export const INVALID_DECLARATIVE_CONFIG = { code: 14, name: "invalid declarative configuration" } as const;

/** Kong's 400 for a configuration it cannot load, with extra keys (Kong's `flattened_errors`) after `fields`. */
export function invalidDeclarativeConfig(fields: KongFields, extra: Record<string, unknown> = {}): KongError {
  return new KongError(400, { ...INVALID_DECLARATIVE_CONFIG, message: `declarative config is invalid: ${luaTable(fields)}`, fields, ...extra });
}
