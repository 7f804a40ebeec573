import { isRecord, type EntityKinds, type EntityName } from "@tether/core";
import { CURRENT_FORMAT } from "./format-version.ts";
import { foreignFields, LOAD_ORDER } from "./layout.ts";

/**
 * The whole configuration as a declarative document in Kong's format: `_format_version: "3.0"`,
 * `_transform: false` (what `kong config db_export` writes: values are stored as they are), and
 * the nested layout decK dumps: routes and plugins inside their service, plugins inside their
 * route or consumer, mtls_auth_credentials inside their consumer, snis inside their certificate,
 * targets inside their upstream, keys inside their key set.
 *
 * An entity nests only when its parent is its single reference: Kong's loader refuses any other
 * reference inside a nested entry ("value must be null"), so a plugin scoped to a service *and*
 * a consumer, or a credential tied to a CA certificate, stays at the top level and names its
 * references by id, as db_export does. Every field is written, nulls included, with ids and
 * timestamps, so an import restores exactly what was exported. Keys are sorted and entries go by
 * id, so the same configuration always exports to the same bytes.
 */

export type Snapshot = { readonly [N in EntityName]: readonly EntityKinds[N][] };
type Entry = Record<string, unknown>;

/** Parents entries nest in, and under which key (their collection's name). */
const NESTING: Partial<Record<EntityName, readonly EntityName[]>> = {
  services: ["routes", "plugins"],
  routes: ["plugins"],
  consumers: ["plugins", "mtls_auth_credentials"],
  certificates: ["snis"],
  upstreams: ["targets"],
  key_sets: ["keys"],
};

/** Object keys sorted at every depth: stable output whatever order the store kept them in. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (!isRecord(value)) return value;
  const out: Entry = {};
  for (const key of Object.keys(value).sort()) Object.defineProperty(out, key, { value: sortedDeep(value[key]), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Code-point order of ids (not locale order, which may skip the dashes). */
const byIdOrder = (a: Entry, b: Entry): number => (String(a["id"]) < String(b["id"]) ? -1 : String(a["id"]) > String(b["id"]) ? 1 : 0);

/** The single non-null reference of an entity, when it has exactly one. */
function soleReference(kind: EntityName, entity: Entry): { target: EntityName; id: string } | undefined {
  const set = foreignFields(kind).flatMap(([field, target]) => {
    const ref = entity[field];
    return isRecord(ref) && typeof ref["id"] === "string" ? [{ target, id: ref["id"] }] : [];
  });
  return set.length === 1 ? set[0] : undefined;
}

/**
 * Fields as the file writes them: at the top level references are id strings (db_export's form);
 * a nested entry has none at all (its parent is implied, its other references are null).
 */
function fileFields(kind: EntityName, entity: Entry, nested: boolean): Entry {
  const out: Entry = { ...entity };
  for (const [field] of foreignFields(kind)) {
    const ref = out[field];
    if (nested) delete out[field];
    else out[field] = isRecord(ref) && typeof ref["id"] === "string" ? ref["id"] : null;
  }
  if (kind === "certificates") delete out["snis"]; // the Admin API's shorthand; the file nests SNI entries
  return out;
}

export function toDocument(snapshot: Snapshot): Record<string, unknown> {
  // Every entity's file form, by kind and id, so children can be attached to their parents.
  const forms = new Map<string, Entry>();
  const formOf = (kind: EntityName, id: string): Entry | undefined => forms.get(`${kind}\0${id}`);
  const topLevel = new Map<EntityName, Entry[]>();
  const nestedIn = (kind: EntityName, entity: Entry): { parent: Entry } | undefined => {
    const ref = soleReference(kind, entity);
    if (!ref || !NESTING[ref.target]?.includes(kind)) return undefined;
    const parent = formOf(ref.target, ref.id);
    return parent ? { parent } : undefined;
  };

  // Parents before children (a route has its form before its plugins look for it); entries by id.
  for (const kind of LOAD_ORDER) {
    const byId = [...(snapshot[kind] as readonly unknown[] as readonly Entry[])].sort(byIdOrder);
    for (const entity of byId) {
      const nest = nestedIn(kind, entity);
      const form = fileFields(kind, entity, nest !== undefined);
      forms.set(`${kind}\0${String(entity["id"])}`, form);
      if (nest) {
        const list = (nest.parent[kind] as Entry[] | undefined) ?? [];
        list.push(form);
        nest.parent[kind] = list;
      } else {
        const list = topLevel.get(kind) ?? [];
        list.push(form);
        topLevel.set(kind, list);
      }
    }
  }

  const doc: Entry = { _format_version: CURRENT_FORMAT, _transform: false };
  for (const kind of [...topLevel.keys()].sort()) doc[kind] = sortedDeep(topLevel.get(kind));
  return doc;
}
