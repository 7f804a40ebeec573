import type { Router } from "@koa/router";
import type Koa from "koa";
import { entities, invalidPrimaryKey, notFound, referencedByViolation, type EntityName } from "@tether/core";
import type { EntityDao } from "@tether/store";
import { readBody } from "../http/body.ts";
import { findEntity, isUuid, mustFind } from "../entities/lookup.ts";
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

/** Children that must be gone before a parent may be deleted (Kong's `on_delete = restrict`). */
export function assertNotReferenced(ctx: WriteContext, kind: EntityName, id: string): void {
  for (const child of Object.values(entities))
    for (const [field, fk] of Object.entries(child.foreignKeys))
      if (fk.entity === kind && fk.onDelete === "restrict" && ctx.store.daos[child.name].count({ field, id }) > 0)
        throw referencedByViolation(kind, child.name);
}

export function mountCollection(router: Router, write: WriteContext, spec: CollectionSpec): void {
  const { kind, path, parent } = spec;
  const dao: EntityDao<EntityName> = write.store.daos[kind];
  // Kong names a path parameter after its entity (`/services/{services}`), as /endpoints shows.
  const item = `${path}/:${kind}`;

  const parentScope = (ctx: Ctx): ParentScope =>
    parent ? { field: parent.field, id: mustFind(write.store, parent.kind, ctx.params[parent.param]!).id } : undefined;

  /** The addressed entity, or undefined; under a parent it must belong to that parent. */
  const lookup = (ctx: Ctx, scope: ParentScope) => {
    const entity = findEntity(write.store, kind, ctx.params[kind]!);
    if (entity && scope && refId(entity, scope.field) !== scope.id) return undefined;
    return entity;
  };

  router.get(path, (ctx: Ctx) => {
    const scope = parentScope(ctx);
    const size = parseSize(ctx.query["size"]);
    // Kong filters by tags, and carries `tags`/`size` into `next`, for top-level collections only.
    const tags = parent ? undefined : parseTagFilter(ctx.query["tags"]);
    const offset = typeof ctx.query["offset"] === "string" ? ctx.query["offset"] : undefined;
    const page = dao.list({ size, offset, foreign: scope, tags });
    ctx.body = listBody(page, ctx.path, parent ? "" : nextQuery(ctx.query));
  });

  router.post(path, async (ctx: Ctx) => {
    const scope = parentScope(ctx);
    const entity = buildEntity(write, kind, await readBody(ctx.req), { mode: "create" }, scope);
    ctx.status = 201;
    ctx.body = dao.insert(entity);
  });

  router.get(item, (ctx: Ctx) => {
    const entity = lookup(ctx, parentScope(ctx));
    if (!entity) throw notFound();
    ctx.body = entity;
  });

  router.put(item, async (ctx: Ctx) => {
    const scope = parentScope(ctx);
    const key = ctx.params[kind]!;
    const endpointKey = entities[kind].endpointKey;
    if (!isUuid(key) && !endpointKey) throw invalidPrimaryKey(key);
    const existing = lookup(ctx, scope);
    if (!existing && scope && findEntity(write.store, kind, key)) throw notFound();
    const urlKey = isUuid(key) ? { field: "id", value: key.toLowerCase() } : { field: endpointKey!, value: key };
    const body = await readBody(ctx.req);
    const entity = buildEntity(write, kind, body, { mode: "replace", existing: existing as Record<string, unknown> | undefined, urlKey }, scope);
    ctx.status = 200; // Kong answers PUT with 200 whether it created or replaced
    ctx.body = dao.upsert(entity);
  });

  router.patch(item, async (ctx: Ctx) => {
    const scope = parentScope(ctx);
    const existing = lookup(ctx, scope);
    if (!existing) throw notFound();
    const body = await readBody(ctx.req);
    const entity = buildEntity(write, kind, body, { mode: "merge", existing: existing as unknown as Record<string, unknown> }, scope);
    ctx.body = dao.upsert(entity);
  });

  router.delete(item, (ctx: Ctx) => {
    const scope = parentScope(ctx);
    const existing = lookup(ctx, scope);
    if (!existing) {
      if (spec.strictDelete || (scope && findEntity(write.store, kind, ctx.params[kind]!))) throw notFound();
      ctx.status = 204; // idempotent, as Kong's
      return;
    }
    guardDelete(write.store, kind, existing.id);
    assertNotReferenced(write, kind, existing.id);
    dao.delete(existing.id);
    ctx.status = 204;
  });
}
