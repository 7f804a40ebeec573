import { randomUUID } from "node:crypto";
import { entities, isRecord, type EntityName } from "@tether/core";
import { addError, type ErrorPath, type ErrorTree } from "./errors.ts";
import { FORMAT_VERSIONS, migratePath, needsPathMigration } from "./format-version.ts";
import { declarativeId } from "./ids.ts";
import { foreignFields, isEntityName, LOAD_ORDER, nestedCollections } from "./layout.ts";

/**
 * A declarative document (Kong's format, nested or flat) turned into one entry per entity, in
 * load order, with ids assigned and references to other entries of the file resolved to
 * `{"id": …}`. Pure: the store is not consulted; references the file cannot satisfy are left for
 * the import to look up. Errors are collected for the whole file, not just the first.
 */

export interface FlatEntry {
  kind: EntityName;
  /** Where the entry is in the file, for errors: `["services", 2, "routes", 1]`. */
  path: ErrorPath;
  id: string;
  /** The entity's fields as given (nested collections and remarks removed), references resolved where the file could. */
  input: Record<string, unknown>;
  /** References to entities the file does not declare: the import looks them up in the store. */
  unresolved: { field: string; target: EntityName; value: unknown }[];
  /** Entries of the file this one references (its parent included): when one fails, this one is not tried. */
  dependsOn: FlatEntry[];
  /** The field naming the entity this one is nested in, already `{"id": …}`. */
  parentField: string | undefined;
}

export interface Meta {
  formatVersion: string;
  transform: boolean;
  /** decK's `_workspace`; Tether has one workspace and only reports it. */
  workspace: string | undefined;
}

export interface Flattened {
  entries: FlatEntry[];
  meta: Meta;
  errors: ErrorTree | undefined;
  /** Entries not to load because the file itself is wrong about them (e.g. declared twice). */
  rejected: ReadonlySet<FlatEntry>;
}

/**
 * Top-level keys that are not entities. Kong's loader knows `_format_version`, `_transform`,
 * `_comment` and `_ignore`; decK adds `_workspace`, `_info` (select_tags, defaults) and `_konnect`.
 */
const META_KEYS = new Set(["_format_version", "_transform", "_comment", "_ignore", "_workspace", "_info", "_konnect"]);
/** Keys any entry may carry that the loader drops: Kong's remarks, and the workspace id rows of an EE export carry. */
const DROPPED_ENTRY_KEYS = new Set(["_comment", "_ignore", "ws_id"]);

/** An own, enumerable property even for `__proto__`, which validation then refuses as an unknown field. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function checkMeta(doc: Record<string, unknown>, errors: ErrorTree): Meta {
  const version = doc["_format_version"];
  if (version === undefined || version === null) addError(errors, ["_format_version"], "required field missing");
  else if (typeof version !== "string") addError(errors, ["_format_version"], "expected a string");
  else if (!(FORMAT_VERSIONS as readonly string[]).includes(version))
    addError(errors, ["_format_version"], `expected one of: ${FORMAT_VERSIONS.join(", ")}`);
  const transform = doc["_transform"] ?? true;
  if (typeof transform !== "boolean") addError(errors, ["_transform"], "expected a boolean");
  const workspace = doc["_workspace"];
  if (workspace !== undefined && workspace !== null && typeof workspace !== "string") addError(errors, ["_workspace"], "expected a string");
  if (doc["_comment"] !== undefined && typeof doc["_comment"] !== "string") addError(errors, ["_comment"], "expected a string");
  return {
    formatVersion: typeof version === "string" ? version : "3.0",
    transform: transform === true,
    workspace: typeof workspace === "string" ? workspace : undefined,
  };
}

class Flattener {
  readonly entries: FlatEntry[] = [];
  readonly errors: ErrorTree = {};
  readonly rejected = new Set<FlatEntry>();

  constructor(
    private readonly meta: Meta,
    private readonly newId: () => string,
  ) {}

  collection(kind: EntityName, list: unknown, path: ErrorPath, parent?: { field: string; entry: FlatEntry }): void {
    if (list === null || list === undefined) return;
    if (!Array.isArray(list)) return addError(this.errors, path, "expected an array");
    list.forEach((raw, i) => this.entry(kind, raw, [...path, i + 1], parent));
  }

  private entry(kind: EntityName, raw: unknown, path: ErrorPath, parent?: { field: string; entry: FlatEntry }): void {
    if (!isRecord(raw)) return addError(this.errors, path, "expected a record");
    const nestable = nestedCollections(kind);
    const input: Record<string, unknown> = {};
    const nested: [EntityName, unknown][] = [];
    for (const [key, value] of Object.entries(raw)) {
      if (DROPPED_ENTRY_KEYS.has(key)) continue;
      if (isEntityName(key) && nestable.has(key)) nested.push([key, value]);
      else define(input, key, value);
    }
    // Kong: a nested entity's parent is implied; naming one (even the same) is refused.
    const givenParent = parent ? input[parent.field] : undefined;
    if (parent && givenParent !== undefined && givenParent !== null)
      return addError(this.errors, [...path, parent.field], "value must be null");
    if (kind === "routes" && needsPathMigration(this.meta.formatVersion) && Array.isArray(input["paths"]))
      input["paths"] = input["paths"].map((p: unknown) => (typeof p === "string" ? migratePath(p) : p));

    // The id comes first, from the entry as written (Kong's generate_ids runs before parents are filled in).
    const givenId = input["id"];
    const id =
      givenId === undefined || givenId === null
        ? (declarativeId(kind, input, parent && { field: parent.field, id: parent.entry.id }) ?? this.newId())
        : String(givenId).toLowerCase();
    if (givenId === undefined || givenId === null) input["id"] = id;
    if (parent) input[parent.field] = { id: parent.entry.id };
    const entry: FlatEntry = { kind, path, id, input, unresolved: [], dependsOn: parent ? [parent.entry] : [], parentField: parent?.field };
    this.entries.push(entry);
    for (const [child, list] of nested) this.collection(child, list, [...path, child], { field: nestable.get(child)!, entry });
  }

  /** Kong's "uniqueness violation … already declared": unique fields first, then the primary key. */
  checkUniqueness(): void {
    const seen = new Set<string>();
    for (const entry of this.entries) {
      const { kind, input } = entry;
      let message: string | undefined;
      const claimed: string[] = [];
      for (const field of entities[kind].uniqueFields) {
        const value = input[field];
        if (typeof value !== "string" && typeof value !== "number") continue;
        const key = `${kind}\0${field}\0${String(value)}`;
        if (seen.has(key)) {
          message = `uniqueness violation: '${kind}' entity with ${field} set to '${String(value)}' already declared`;
          break;
        }
        claimed.push(key);
      }
      const idKey = `${kind}\0\0${entry.id}`;
      if (!message && seen.has(idKey)) message = `uniqueness violation: '${kind}' entity with primary key set to '${entry.id}' already declared`;
      if (message) {
        addError(this.errors, entry.path, message);
        this.rejected.add(entry);
        continue;
      }
      for (const key of [...claimed, idKey]) seen.add(key);
    }
  }

  /** References to entries of the file become `{"id": …}`: by endpoint key (or any unique field), then by id. */
  resolveReferences(): void {
    const byId = new Map<string, FlatEntry>();
    const byUnique = new Map<string, FlatEntry>();
    for (const entry of this.entries) {
      if (this.rejected.has(entry)) continue;
      byId.set(`${entry.kind}\0${entry.id}`, entry);
      for (const field of entities[entry.kind].uniqueFields) {
        const value = entry.input[field];
        if (typeof value === "string") byUnique.set(`${entry.kind}\0${field}\0${value}`, entry);
      }
    }
    const find = (target: EntityName, value: unknown): FlatEntry | undefined => {
      if (typeof value === "string") {
        const key = entities[target].endpointKey;
        return (key ? byUnique.get(`${target}\0${key}\0${value}`) : undefined) ?? byId.get(`${target}\0${value.toLowerCase()}`);
      }
      if (!isRecord(value)) return undefined;
      if (typeof value["id"] === "string") return byId.get(`${target}\0${value["id"].toLowerCase()}`);
      for (const field of entities[target].uniqueFields)
        if (typeof value[field] === "string") return byUnique.get(`${target}\0${field}\0${value[field]}`);
      return undefined;
    };
    for (const entry of this.entries) {
      for (const [field, target] of foreignFields(entry.kind)) {
        const value = entry.input[field];
        if (value === undefined || value === null || field === entry.parentField) continue;
        const found = find(target, value);
        if (found) {
          entry.input[field] = { id: found.id };
          entry.dependsOn.push(found);
        } else entry.unresolved.push({ field, target, value });
      }
    }
  }
}

/** Flattens a parsed declarative document; `newId` makes the ids Kong would make at random. */
export function flattenDocument(doc: unknown, newId: () => string = randomUUID): Flattened {
  const errors: ErrorTree = {};
  if (!isRecord(doc)) {
    addError(errors, ["@document"], "expected an object");
    return { entries: [], meta: { formatVersion: "3.0", transform: true, workspace: undefined }, errors, rejected: new Set() };
  }
  const meta = checkMeta(doc, errors);
  const flattener = new Flattener(meta, newId);
  for (const key of Object.keys(doc)) {
    if (META_KEYS.has(key) || isEntityName(key)) continue;
    const value = doc[key];
    // An empty section of something Tether does not serve (an export's `upstreams: []`) asks for nothing.
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    addError(errors, [key], "unknown field");
  }
  for (const kind of LOAD_ORDER) flattener.collection(kind, doc[kind], [kind]);
  flattener.checkUniqueness();
  flattener.resolveReferences();
  Object.assign(errors, flattener.errors);
  const order = (e: FlatEntry): number => LOAD_ORDER.indexOf(e.kind);
  const entries = [...flattener.entries].sort((a, b) => order(a) - order(b)); // stable: file order within a kind
  return { entries, meta, errors: Object.keys(errors).length ? errors : undefined, rejected: flattener.rejected };
}
