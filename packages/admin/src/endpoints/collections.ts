import type { Router } from "@koa/router";
import type Koa from "koa";
import { entities, invalidPrimaryKey, notFound, referencedByViolation, type EntityName } from "@tether/core";
import type { EntityStore, WriteIntent } from "@tether/store";
import { readBody } from "../http/body.ts";
import { findEntity, isDbless, isUuid, mustFind } from "../entities/lookup.ts";
import { guardDelete } from "../entities/delete-guards.ts";
import { buildEntity, type ParentScope, type WriteContext } from "../entities/write.ts";
import { parseTagFilter } from "../http/tag-filter.ts";
import { listBody, nextQuery, parseSize } from "./list.ts";

/** A collection endpoint, top-level (`/services`) or nested under a parent (`/services/{s}/routes`). */
export interface CollectionSpec {
  kind: EntityName;
  path: string;
  parent?: { kind: EntityName; field: string; param: string };
  /**
   * DELETE of a missing item answers 404, not 204: Kong's plugin credential endpoints
   * (`/consumers/{c}/mtls-auth/{id}`) look the credential up in a `before` handler.
   */
  strictDelete?: boolean;
}

type Ctx = Koa.ParameterizedContext<Koa.DefaultState, Koa.DefaultContext & { params: Record<string, string> }>;

const refId = (entity: object, field: string): string | undefined =>
  ((entity as Record<string, unknown>)[field] as { id?: string } | null | undefined)?.id;

/**
 * Children that must be gone before a parent may be deleted (Kong's `on_delete = restrict`, a
 * database constraint: a DB-less node refuses the delete itself first).
 */
export async function assertNotReferenced(ctx: WriteContext, kind: EntityName, id: string): Promise<void> {
  if (isDbless(ctx.store)) return;
  for (const child of Object.values(entities))
    for (const [field, fk] of Object.entries(child.foreignKeys))
      if (fk.entity === kind && fk.onDelete === "restrict" && (await ctx.store.daos[child.name].count({ field, id })) > 0)
        throw referencedByViolation(kind, child.name);
}

/** How the URL named the entity: by id, or by its endpoint key (Kong's DB-less answers say which). */
export function intentOf(kind: EntityName, key: string): WriteIntent {
  return isUuid(key) ? {} : { by: entities[kind].endpointKey };
}

export function mountCollection(router: Router, write: WriteContext, spec: CollectionSpec): void {
  const { kind, path, parent } = spec;
  const dao: EntityStore<EntityName> = write.store.daos[kind];
  // Kong names a path parameter after its entity (`/services/{services}`), as /endpoints shows.
  const item = `${path}/:${kind}`;

  const parentScope = async (ctx: Ctx): Promise<ParentScope> =>
    parent ? { field: parent.field, id: (await mustFind(write.store, parent.kind, ctx.params[parent.param]!)).id } : undefined;

  /** The addressed entity, or undefined; under a parent it must belong to that parent. */
  const lookup = async (ctx: Ctx, scope: ParentScope) => {
    const entity = await findEntity(write.store, kind, ctx.params[kind]!);
    if (entity && scope && refId(entity, scope.field) !== scope.id) return undefined;
    return entity;
  };

  router.get(path, async (ctx: Ctx) => {
    const scope = await parentScope(ctx);
    const size = parseSize(ctx.query["size"]);
    // Kong filters by tags, and carries `tags`/`size` into `next`, for top-level collections only.
    const tags = parent ? undefined : parseTagFilter(ctx.query["tags"]);
    const offset = typeof ctx.query["offset"] === "string" ? ctx.query["offset"] : undefined;
    const page = await dao.list({ size, offset, foreign: scope, tags });
    ctx.body = listBody(page, ctx.path, parent ? "" : nextQuery(ctx.query));
  });

  router.post(path, async (ctx: Ctx) => {
    const scope = await parentScope(ctx);
    const entity = await buildEntity(write, kind, await readBody(ctx.req), { mode: "create" }, scope);
    ctx.body = await dao.insert(entity);
    ctx.status = 201;
  });

  router.get(item, async (ctx: Ctx) => {
    const entity = await lookup(ctx, await parentScope(ctx));
    if (!entity) throw notFound();
    ctx.body = entity;
  });

  router.put(item, async (ctx: Ctx) => {
    const scope = await parentScope(ctx);
    const key = ctx.params[kind]!;
    const endpointKey = entities[kind].endpointKey;
    if (!isUuid(key) && !endpointKey) throw invalidPrimaryKey(key);
    const existing = await lookup(ctx, scope);
    if (!existing && scope && (await findEntity(write.store, kind, key))) throw notFound();
    const urlKey = isUuid(key) ? { field: "id", value: key.toLowerCase() } : { field: endpointKey!, value: key };
    const body = await readBody(ctx.req);
    const entity = await buildEntity(write, kind, body, { mode: "replace", existing: existing as Record<string, unknown> | undefined, urlKey }, scope);
    ctx.body = await dao.upsert(entity, intentOf(kind, key));
    ctx.status = 200; // Kong answers PUT with 200 whether it created or replaced
  });

  router.patch(item, async (ctx: Ctx) => {
    const scope = await parentScope(ctx);
    const existing = await lookup(ctx, scope);
    if (!existing) throw notFound();
    const body = await readBody(ctx.req);
    const entity = await buildEntity(write, kind, body, { mode: "merge", existing: existing as unknown as Record<string, unknown> }, scope);
    ctx.body = await dao.update(entity, intentOf(kind, ctx.params[kind]!));
  });

  router.delete(item, async (ctx: Ctx) => {
    const scope = await parentScope(ctx);
    const existing = await lookup(ctx, scope);
    if (!existing) {
      if (spec.strictDelete || (scope && (await findEntity(write.store, kind, ctx.params[kind]!)))) throw notFound();
      ctx.status = 204; // idempotent, as Kong's
      return;
    }
    await guardDelete(write.store, kind, existing.id);
    await assertNotReferenced(write, kind, existing.id);
    await dao.delete(existing.id, intentOf(kind, ctx.params[kind]!));
    ctx.status = 204;
  });
}
