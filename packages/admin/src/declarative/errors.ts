import type { FieldError } from "@tether/core";

/**
 * Errors of a declarative file, shaped like Kong's: a tree keyed by collection names and 1-based
 * entry numbers (`{services: {2: {routes: {1: {paths: …}}}}}`), whose leaves are messages or an
 * entity's field errors as the Admin API reports them.
 */
export type ErrorTree = { [key: string]: ErrorTree | FieldError };
export type ErrorPath = readonly (string | number)[];

const isTree = (v: unknown): v is ErrorTree => typeof v === "object" && v !== null && !Array.isArray(v);

function put(node: ErrorTree, key: string, value: ErrorTree | FieldError): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An entry's own messages live under `@entity`, beside its fields' errors, as in Kong's schema errors. */
function withEntityMessage(tree: ErrorTree, message: string): ErrorTree {
  const list = Array.isArray(tree["@entity"]) ? (tree["@entity"] as string[]) : [];
  if (!list.includes(message)) put(tree, "@entity", [...list, message]);
  return tree;
}

/** Two errors at one place: both kept (first wins where they name the same field). */
function merge(existing: ErrorTree | FieldError, added: ErrorTree | FieldError): ErrorTree | FieldError {
  if (typeof existing === "string" && typeof added === "string") return existing;
  if (typeof added === "string") return isTree(existing) ? withEntityMessage(existing, added) : existing;
  if (!isTree(added)) return existing;
  const base: ErrorTree = typeof existing === "string" ? withEntityMessage({}, existing) : isTree(existing) ? existing : {};
  for (const [key, value] of Object.entries(added)) put(base, key, Object.hasOwn(base, key) ? merge(base[key]!, value) : value);
  return base;
}

/** Places an error at a path, keeping whatever was reported there already. */
export function addError(tree: ErrorTree, path: ErrorPath, error: FieldError): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const key = String(head);
  let value: ErrorTree | FieldError = error;
  for (const segment of [...rest].reverse()) value = { [String(segment)]: value };
  put(tree, key, Object.hasOwn(tree, key) ? merge(tree[key]!, value) : value);
}

const isEntry = (key: string): boolean => /^\d+$/.test(key);

/** Entry numbers in order first, then names alphabetically (Kong's order is a Lua table's). */
function orderedKeys(node: object): string[] {
  return Object.keys(node).sort((a, b) =>
    isEntry(a) && isEntry(b) ? Number(a) - Number(b) : isEntry(a) ? -1 : isEntry(b) ? 1 : a.localeCompare(b),
  );
}

/**
 * Kong's pretty_print_error (kong/db/declarative/init.lua): `in 'services':`, then
 * `  - in entry 1 of 'services':`, and so on down to `in 'host': required field missing`.
 */
export function formatErrors(tree: ErrorTree | FieldError, item = "", indent = ""): string {
  if (typeof tree === "string") return `${indent}${tree}`;
  // Arrays (a field's per-element errors) count from 1, as Kong's Lua tables do.
  const node: Record<string, unknown> = Array.isArray(tree)
    ? Object.fromEntries(tree.flatMap((v, i) => (v === null ? [] : [[String(i + 1), v]])))
    : tree;
  const lines: string[] = [];
  for (const key of orderedKeys(node)) {
    const value = node[key];
    const label = isEntry(key) ? `- in entry ${key} of '${item}'` : `in '${key}'`;
    if (typeof value === "string") lines.push(`${indent}${label}: ${value}`);
    else if (value !== null && typeof value === "object") {
      lines.push(`${indent}${label}:`);
      lines.push(formatErrors(value as ErrorTree, key, `${indent}  `));
    }
  }
  return lines.join("\n");
}
