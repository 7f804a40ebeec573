import { buildEntity, type WriteContext } from "../entities/write.ts";
import { entities, isRecord, KongError, type AnyEntity, type EntityName, type FieldError } from "@tether/core";
import type { EntityStore, StoreSession } from "@tether/store";
import { addError, type ErrorTree } from "./errors.ts";
import type { FlatEntry, Flattened } from "./flatten.ts";

/**
 * Loads flattened entries into the store the way Kong's db_import does (an upsert per entity by
 * primary key, referenced before referencing) but all in one store transaction: each entry goes
 * through the Admin API's write pipeline (same schemas, checks and messages as a PUT by id), and
 * if any entry fails, nothing is kept. Entities already in the store and absent from the file
 * are left as they are (db_import merges, it does not replace the database).
 */

export type LoadOutcome =
  | { ok: true; counts: Partial<Record<EntityName, number>> }
  | { ok: false; errors: ErrorTree };

/** Thrown inside the transaction to roll it back once every error has been collected. */
class RollBack extends Error {}

/**
 * Entries loaded between two turns of the event loop: a large configuration must not hold a node's
 * proxy and Admin API still while it loads (Kong's declarative loader yields the same way).
 */
const ENTRIES_PER_TURN = 200;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function display(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * A reference the file does not satisfy, looked up in the store: a string names the target by id
 * or endpoint key (Kong's declarative form), a record by id or any unique field (the Admin API's).
 */
async function resolveFromStore(store: StoreSession, entry: FlatEntry): Promise<void> {
  for (const { field, target, value } of entry.unresolved) {
    const dao = store.daos[target];
    let found: { id: string } | undefined;
    if (typeof value === "string") {
      // Kong's order: the endpoint key first, then the id.
      const key = entities[target].endpointKey;
      found = (key ? await dao.getBy(key, value) : undefined) ?? (await dao.get(value.toLowerCase()));
    } else if (isRecord(value)) {
      if (typeof value["id"] === "string") found = await dao.get(value["id"].toLowerCase());
      else {
        const unique = entities[target].uniqueFields.find((f) => typeof value[f] === "string");
        found = unique ? await dao.getBy(unique, value[unique] as string) : undefined;
      }
    } else continue; // not a reference at all: validation says what it expected
    if (!found) throw new KongError(400, { message: `invalid reference '${field}: ${display(value)}' (no such entry in '${target}')` });
    entry.input[field] = { id: found.id };
  }
}

/** What an entry's failure reads as in the error tree: field errors for a schema violation, else Kong's message. */
function errorLeaf(error: KongError): FieldError {
  const fields = error.body["fields"];
  if (error.body["code"] === 2 && isRecord(fields)) return fields as FieldError;
  return String(error.body["message"] ?? error.message);
}

/** The entry as a PUT by id would build it; `schemaOnly` judges its own fields without looking anything up. */
function entryEntity(ctx: WriteContext, entry: FlatEntry, existing: Record<string, unknown> | undefined, schemaOnly = false): Promise<AnyEntity> {
  const write = { mode: "replace", existing, urlKey: { field: "id", value: entry.id }, keepTimestamps: true } as const;
  return buildEntity(ctx, entry.kind, { kind: "json", value: entry.input }, write, undefined, { schemaOnly });
}

async function loadEntry(ctx: WriteContext, entry: FlatEntry): Promise<void> {
  await resolveFromStore(ctx.store, entry);
  const dao: EntityStore<EntityName> = ctx.store.daos[entry.kind];
  const existing = (await dao.get(entry.id)) as Record<string, unknown> | undefined;
  await dao.upsert(await entryEntity(ctx, entry, existing));
}

/**
 * Validates and writes every entry; `commit: false` validates against the store (uniqueness,
 * references) and rolls back, which is `tether config parse`.
 */
export async function loadIntoStore(ctx: WriteContext, flat: Flattened, options: { commit: boolean }): Promise<LoadOutcome> {
  const errors: ErrorTree = { ...flat.errors };
  const failed = new Set<FlatEntry>(flat.rejected);
  const counts: Partial<Record<EntityName, number>> = {};
  try {
    await ctx.store.transaction(async (tx) => {
      const write: WriteContext = { ...ctx, store: tx };
      /** Runs one entry's step; a Kong error marks the entry failed and is reported at its place. */
      const judge = async (entry: FlatEntry, step: () => Promise<unknown>): Promise<void> => {
        try {
          await step();
        } catch (error) {
          if (!(error instanceof KongError)) throw error;
          failed.add(entry);
          addError(errors, entry.path, errorLeaf(error));
        }
      };
      for (const [i, entry] of flat.entries.entries()) {
        if (i > 0 && i % ENTRIES_PER_TURN === 0) await nextTurn();
        if (failed.has(entry)) continue; // refused by the file itself, already reported
        if (entry.dependsOn.some((d) => failed.has(d))) {
          // Its parent or a reference failed: not written, but its own fields are judged all the
          // same (Kong reports every entry's errors); a reference to outside the file would only
          // fail again, less clearly, so such an entry is left alone.
          failed.add(entry);
          if (entry.unresolved.length === 0) await judge(entry, () => entryEntity(write, entry, undefined, true));
          continue;
        }
        // Each entry in its own savepoint: a failed one leaves the transaction usable for the rest.
        await judge(entry, async () => {
          await tx.transaction((entryTx) => loadEntry({ ...write, store: entryTx }, entry));
          counts[entry.kind] = (counts[entry.kind] ?? 0) + 1;
        });
      }
      if (Object.keys(errors).length > 0 || !options.commit) throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack)) throw error;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, counts };
}
