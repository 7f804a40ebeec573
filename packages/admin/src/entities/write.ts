import { randomUUID } from "node:crypto";
import {
  checkPlugin,
  coerceToSchema,
  entities,
  fillNulls,
  isRecord,
  pluginEntitySchema,
  schemaViolation,
  unknownPluginErrors,
  validateRecord,
  type EntityKinds,
  type EntityName,
  type FieldErrors,
  type FieldSchema,
  type PluginDefinition,
  type PluginInstance,
  type RecordSchema,
} from "@tether/core";
import type { StoreSession } from "@tether/store";
import type { DecodedBody } from "../http/body.ts";
import { isUuid, resolveForeignKeys } from "./lookup.ts";
import { dropUntouchedRecords } from "./untouched-records.ts";

export type PluginRegistry = ReadonlyMap<string, PluginDefinition>;

export interface WriteContext {
  /** The store, or the transaction the write is part of. */
  store: StoreSession;
  plugins: PluginRegistry;
}

/** What a write is: a create, a full replacement (PUT) or a merge (PATCH) of an existing entity. */
export type WriteMode =
  | { mode: "create" }
  | {
      mode: "replace";
      existing: Record<string, unknown> | undefined;
      urlKey: { field: string; value: string };
      /** Declarative import: `created_at`/`updated_at` given in the input are kept, as Kong's db_import upserts them. */
      keepTimestamps?: boolean;
    }
  | { mode: "merge"; existing: Record<string, unknown> };

/** The scope a nested endpoint imposes, e.g. `service` for POST /services/{s}/routes. */
export type ParentScope = { field: string; id: string } | undefined;

type Input = Record<string, unknown>;

function schemaFor(ctx: WriteContext, kind: EntityName, name: unknown): { schema: RecordSchema; plugin?: PluginDefinition } {
  if (kind !== "plugins") return { schema: entities[kind].schema };
  const plugin = typeof name === "string" ? ctx.plugins.get(name) : undefined;
  return plugin ? { schema: pluginEntitySchema(plugin), plugin } : { schema: entities.plugins.schema };
}

/** PATCH semantics: records merge field by field; arrays, scalars and foreign references are replaced. */
export function mergeRecords(base: Input, patch: Input, schema: FieldSchema): Input {
  const out: Input = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    const sub = schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    const mergeable = sub?.properties !== undefined && sub.kongType !== "foreign";
    // defineProperty, not `out[key] =`: a patched `__proto__` must stay a field validation rejects.
    Object.defineProperty(out, key, {
      value: mergeable && isRecord(current) && isRecord(value) ? mergeRecords(current, value, sub) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export interface BuildOptions {
  /**
   * Schema checks only (Kong's `POST /schemas/{entity}/validate`): foreign references are not
   * looked up in the store. Uniqueness is the store's, so it is never checked here anyway.
   */
  schemaOnly?: boolean;
}

/** Turns a decoded request body into a validated entity ready to store, or throws a Kong error. */
export async function buildEntity<N extends EntityName>(
  ctx: WriteContext,
  kind: N,
  body: DecodedBody,
  write: WriteMode,
  parent: ParentScope,
  options: BuildOptions = {},
): Promise<EntityKinds[N]> {
  if (body.kind === "json" && !isRecord(body.value)) throw schemaViolation({ "@entity": ["expected a record"] });
  let input: Input = body.kind === "none" ? {} : { ...(body.value as Input) };
  const existing = write.mode === "create" ? undefined : write.existing;
  const name = input["name"] ?? existing?.["name"];
  const { schema, plugin } = schemaFor(ctx, kind, name);
  if (body.kind === "form") input = coerceToSchema(input, schema) as Input;

  if (write.mode === "merge") {
    input = mergeRecords(write.existing, input, schema);
    input["id"] = write.existing["id"]; // the URL names the entity: an `id` in the body must not fork a copy
  }
  if (write.mode === "replace") {
    input[write.urlKey.field] = write.urlKey.value; // the URL's key wins over the body's (Kong)
    if (write.existing) input["id"] = write.existing["id"];
  }
  if (parent) input[parent.field] = { id: parent.id };
  if (plugin) input["config"] = dropUntouchedRecords(input["config"], plugin.configSchema);

  const prepared = entities[kind].prepare?.(input, write.mode === "create");
  if (prepared) throw schemaViolation(prepared);
  if (!options.schemaOnly) await resolveForeignKeys(ctx.store, kind, input);

  const now = Math.floor(Date.now() / 1000);
  if (input["id"] === undefined || input["id"] === null) input["id"] = randomUUID();
  else if (isUuid(input["id"])) input["id"] = input["id"].toLowerCase();
  const keep = (field: string): boolean =>
    write.mode === "replace" && write.keepTimestamps === true && input[field] !== undefined && input[field] !== null;
  if (!keep("created_at")) input["created_at"] = (existing?.["created_at"] as number | undefined) ?? now;
  // Some entities (mtls_auth_credentials) have no updated_at in Kong: one in the input stays an unknown field.
  if (Object.hasOwn(schema.properties, "updated_at") && !keep("updated_at")) input["updated_at"] = now;

  if (kind === "plugins" && !plugin) {
    const errors = validateRecord(schema, input) ?? {};
    throw schemaViolation(typeof input["name"] === "string" ? { ...errors, ...unknownPluginErrors(input["name"]) } : errors);
  }
  const errors = validateRecord(schema, input);
  if (errors) throw schemaViolation(errors);
  const entity = fillNulls(input, schema) as unknown as EntityKinds[N];
  const checked: FieldErrors | undefined = plugin
    ? checkPlugin(plugin, entity as PluginInstance)
    : (entities[kind].check as ((e: EntityKinds[N]) => FieldErrors | undefined) | undefined)?.(entity);
  if (checked) throw schemaViolation(checked);
  return entity;
}
