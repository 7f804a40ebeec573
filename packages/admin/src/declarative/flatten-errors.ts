import { entities, isRecord, type EntityName } from "@tether/core";
import { isUuid } from "../entities/lookup.ts";
import type { KongFields } from "./config-errors.ts";

/**
 * Kong's `flatten_errors=1` answer (kong/db/errors.lua, `declarative_config_flattened`, Kong 3.2+,
 * what the Kubernetes ingress controller reads): every entity that has errors becomes one item
 * of `flattened_errors`, with the entity as it was sent (its nested children hoisted to items of
 * their own) and its errors as a list of `{type: "field", field: "a.b", message}` or
 * `{type: "entity", message}`. The entity sections are drained from `fields`: what stays there
 * are the errors of no entity (an unknown top-level key, `_format_version`).
 *
 * A port of Kong's algorithm, order included: sections, entries and fields are visited in reverse
 * sorted order (Kong pops its sorted keys from the end), and an entity's children come before it.
 */

export type FlattenedErrorItem = { type: "field"; field: string; message: string } | { type: "entity"; message: string };

export interface FlattenedError {
  entity_type: string;
  entity_id?: string;
  entity_name?: string;
  entity_tags?: string[];
  entity: Record<string, unknown>;
  errors: FlattenedErrorItem[];
}

type Table = Record<string, unknown> | unknown[];
const isTable = (value: unknown): value is Table => typeof value === "object" && value !== null;

/** A Lua table's keys as Kong's `drain` visits them: sorted, then taken from the end. */
function drainOrder(table: Table): (string | number)[] {
  if (Array.isArray(table)) return table.flatMap((value, i) => (value === null || value === undefined ? [] : [i + 1])).reverse();
  return Object.keys(table).sort().reverse();
}

/** `t[key]` of a Lua table: arrays count from 1. */
function at(table: unknown, key: string | number): unknown {
  if (Array.isArray(table)) return typeof key === "number" ? table[key - 1] : undefined;
  return isRecord(table) ? table[String(key)] : undefined;
}

/** `t[key] = nil`. */
function remove(table: Table, key: string | number): void {
  if (Array.isArray(table)) table[(key as number) - 1] = null;
  else delete table[String(key)];
}

const isEmpty = (table: Table): boolean => drainOrder(table).length === 0;

interface Relationship {
  /** The entity holding the foreign field, and that field. */
  entity: EntityName;
  field: string;
  reference: EntityName;
}

/**
 * For each kind, its own foreign fields and the fields of others that reference it (the children
 * that may nest in it), in one fixed order (Kong's follows its DAO table: plugins come first).
 */
const RELATIONSHIPS: ReadonlyMap<string, readonly Relationship[]> = (() => {
  const order: EntityName[] = ["plugins", "services", "routes", "consumers", "certificates", "snis", "ca_certificates", "mtls_auth_credentials", "upstreams", "targets", "key_sets", "keys"];
  const out = new Map<string, Relationship[]>();
  const add = (kind: string, relationship: Relationship): void => void out.set(kind, [...(out.get(kind) ?? []), relationship]);
  for (const entity of order)
    for (const [field, fk] of Object.entries(entities[entity].foreignKeys)) {
      add(entity, { entity, field, reference: fk.entity });
      add(fk.entity, { entity, field, reference: fk.entity });
    }
  return out;
})();

const singular = (noun: string): string => (noun.endsWith("s") ? noun.slice(0, -1) : noun);
const join = (ns: string, field: string | number): string => (ns ? `${ns}.${field}` : String(field));
const makePk = (entity: unknown): { id: string } | undefined => {
  const id = at(entity, "id");
  return isUuid(id) ? { id } : undefined;
};

function entityMessages(error: unknown, out: FlattenedErrorItem[]): void {
  if (Array.isArray(error)) {
    for (const message of error) {
      if (message === null || message === undefined) break; // ipairs stops at the first hole
      entityMessages(message, out);
    }
  } else out.push({ type: "entity", message: String(error) });
}

function categorize(errors: Table, ns: string, out: FlattenedErrorItem[]): FlattenedErrorItem[] {
  for (const key of drainOrder(errors)) {
    const error = at(errors, key);
    if (key === "@entity") entityMessages(error, out);
    else if (typeof error === "string") out.push({ type: "field", field: join(ns, key), message: error });
    else if (isTable(error)) categorize(error, join(ns, key), out);
  }
  return out;
}

const validName = (name: unknown): string | undefined => (typeof name === "string" && name.length > 0 ? name : undefined);
const validTags = (tags: unknown): string[] | undefined =>
  Array.isArray(tags) && tags.every((tag) => typeof tag === "string") ? (tags as string[]) : undefined;

function entityErrors(kind: string, entity: unknown, error: unknown, out: FlattenedError[]): void {
  const errors: unknown = typeof error === "string" ? { "@entity": error } : error;
  if (!isTable(errors) || isEmpty(errors) || !isRecord(entity)) return;
  const pk = makePk(entity);
  for (const ref of RELATIONSHIPS.get(kind) ?? []) {
    if (ref.entity === kind) {
      // Its own reference, given as a record: the referenced entity's errors are its own item.
      const value = entity[ref.field];
      if (!isTable(value)) continue;
      const referenced = at(errors, ref.field);
      const key = makePk(value);
      if (key) entity[ref.field] = key;
      else delete entity[ref.field];
      remove(errors, ref.field);
      entityErrors(ref.reference, value, referenced, out);
    } else {
      // Children nested in it (`routes` in a service): each one's errors are its own item.
      const children = entity[ref.entity];
      if (!isTable(children)) continue;
      const childErrors = at(errors, ref.entity);
      delete entity[ref.entity];
      remove(errors, ref.entity);
      if (childErrors === undefined || childErrors === null || !Array.isArray(children)) continue;
      children.forEach((child, i) => {
        if (!isRecord(child)) return;
        if (child[ref.field] === undefined && pk) child[ref.field] = pk;
        entityErrors(ref.entity, child, at(childErrors, i + 1), out);
      });
    }
  }
  if (isEmpty(errors)) return;
  const items = categorize(errors, "", []);
  if (items.length === 0) return;
  const name = validName(entity["name"]);
  const id = makePk(entity)?.id;
  const tags = validTags(entity["tags"]);
  out.push({
    entity_type: singular(kind),
    ...(id === undefined ? {} : { entity_id: id }),
    ...(name === undefined ? {} : { entity_name: name }),
    ...(tags === undefined ? {} : { entity_tags: tags }),
    entity,
    errors: items,
  });
}

/**
 * `fields` (Kong's shape) split into the errors of no entity, which stay, and the flattened
 * errors of every entity, read against `input` (the document as sent; neither is modified).
 */
export function flattenErrors(input: Record<string, unknown>, fields: KongFields): { fields: KongFields; flattened: FlattenedError[] } {
  const document = structuredClone(input);
  const remaining = structuredClone(fields);
  const flattened: FlattenedError[] = [];
  for (const section of drainOrder(remaining) as string[]) {
    const errors = remaining[section];
    const entries = document[section];
    if (!isTable(errors) || !isTable(entries)) continue;
    delete remaining[section];
    for (const key of drainOrder(errors)) {
      // Errors of something that is not an entity are dropped, as Kong drops them.
      entityErrors(section, at(entries, key), at(errors, key), flattened);
    }
  }
  return { fields: remaining, flattened };
}
