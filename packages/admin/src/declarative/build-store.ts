import { openSqliteStore, type SqliteStore } from "@tether/store";
import type { EntityName } from "@tether/core";
import type { PluginRegistry } from "../entities/write.ts";
import type { ErrorTree } from "./errors.ts";
import { flattenDocument, type Flattened } from "./flatten.ts";
import { loadIntoStore } from "./load-into-store.ts";

export type BuiltStore =
  | { ok: true; store: SqliteStore; counts: Partial<Record<EntityName, number>>; flat: Flattened }
  | { ok: false; errors: ErrorTree; flat: Flattened };

/**
 * A whole declarative document loaded into a fresh in-memory store through the Admin API's write
 * pipeline: what a DB-less node serves once it is swapped in. Nothing is swapped on errors.
 */
export async function buildDeclarativeStore(doc: unknown, plugins: PluginRegistry): Promise<BuiltStore> {
  const flat = flattenDocument(doc);
  const store = await openSqliteStore(":memory:");
  const outcome = await loadIntoStore({ store, plugins }, flat, { commit: true });
  if (outcome.ok) return { ok: true, store, counts: outcome.counts, flat };
  await store.close();
  return { ok: false, errors: outcome.errors, flat };
}
