import type { Router } from "@koa/router";
import {
  entities,
  kongEntityChecks,
  notFound,
  pluginEntitySchema,
  toKongField,
  toKongFields,
  toKongSchema,
  type EntityName,
  type KongFieldEntry,
  type KongSchema,
  type PluginDefinition,
} from "@tether/core";
import { readBody } from "../http/body.ts";
import { buildEntity, type WriteContext } from "../entities/write.ts";

const isEntityName = (name: string): name is EntityName => Object.hasOwn(entities, name);

/** `GET /schemas/{entity}`: the entity schema in Kong's notation, with its constraints. */
export function entityKongSchema(kind: EntityName): KongSchema {
  const def = entities[kind];
  return toKongSchema(def.schema, {
    unique: def.uniqueFields,
    onDelete: Object.fromEntries(Object.entries(def.foreignKeys).map(([field, fk]) => [field, fk.onDelete])),
    entityChecks: kongEntityChecks[kind] ?? [],
  });
}

/**
 * `GET /schemas/plugins/{name}`: the fields a plugin's own schema sets, as in Kong's plugin
 * subschemas: a consumer restriction, its protocols, the consumer-group restriction, its config.
 */
export function pluginKongSchema(def: PluginDefinition): KongSchema {
  const byName = new Map(toKongFields(pluginEntitySchema(def)).map((entry) => [Object.keys(entry)[0]!, entry]));
  // Kong's order; `consumer` is the plugin's own only when it forbids consumer scoping.
  const own = [...(def.consumerScopable ? [] : ["consumer"]), "protocols", "consumer_group", "config"];
  const fields = own.flatMap((name): KongFieldEntry[] => {
    const entry = byName.get(name);
    return entry ? [entry] : [];
  });
  return { fields, entity_checks: [] };
}

function pluginNamed(write: WriteContext, name: string): PluginDefinition {
  const def = write.plugins.get(name);
  if (!def) throw notFound(`No plugin named '${name}'`);
  return def;
}

/**
 * Kong's schema endpoints (kong/api/routes/kong.lua, plugins.lua). Validation runs the same
 * pipeline as a write, schema checks only: no foreign lookups, no uniqueness, nothing stored.
 */
export function mountSchemas(router: Router, write: WriteContext): void {
  const validated = { message: "schema validation successful" };

  // Before /schemas/{db_entity_name}/validate, which would read "plugins" as the entity.
  router.post("/schemas/plugins/validate", async (ctx) => {
    await buildEntity(write, "plugins", await readBody(ctx.req), { mode: "create" }, undefined, { schemaOnly: true });
    ctx.body = validated;
  });

  router.get("/schemas/plugins/:name", (ctx) => {
    ctx.body = pluginKongSchema(pluginNamed(write, ctx.params["name"]!));
  });

  router.get("/schemas/:name", (ctx) => {
    const name = ctx.params["name"]!;
    if (!isEntityName(name)) throw notFound(`No entity named '${name}'`);
    ctx.body = entityKongSchema(name);
  });

  router.post("/schemas/:db_entity_name/validate", async (ctx) => {
    const name = ctx.params["db_entity_name"]!;
    if (!isEntityName(name)) throw notFound(`No entity named '${name}'`);
    await buildEntity(write, name, await readBody(ctx.req), { mode: "create" }, undefined, { schemaOnly: true });
    ctx.body = validated;
  });

  // Deprecated in Kong 3.x in favour of /schemas/plugins/{name}; answers the config record only.
  router.get("/plugins/schema/:name", (ctx) => {
    const config = pluginEntitySchema(pluginNamed(write, ctx.params["name"]!)).properties["config"]!;
    ctx.body = toKongField(config, true);
  });
}
