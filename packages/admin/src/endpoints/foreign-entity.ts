import { randomUUID } from "node:crypto";
import type { Router } from "@koa/router";
import type Koa from "koa";
import { KongError, notFound, type AnyEntity, type EntityName } from "@tether/core";
import type { EntityStore } from "@tether/store";
import { readBody } from "../http/body.ts";
import { mustFind } from "../entities/lookup.ts";
import { buildEntity, type WriteContext } from "../entities/write.ts";

/**
 * The entity a foreign key points at, addressed through its owner: `/routes/{routes}/service`.
 * Kong generates one for every foreign field (kong/api/endpoints.lua, `is_foreign_entity_endpoint`).
 */
export interface ForeignEntitySpec {
  /** The owner's collection; its path parameter carries the same name. */
  kind: EntityName;
  path: string;
  field: string;
  target: EntityName;
  /** Kong's plugin-provided credential endpoints (`/mtls-auths/{id}/consumer`) only read. */
  readOnly?: boolean;
}

type Ctx = Koa.ParameterizedContext<Koa.DefaultState, Koa.DefaultContext & { params: Record<string, string> }>;

const refId = (entity: object, field: string): string | undefined =>
  ((entity as Record<string, unknown>)[field] as { id?: string } | null | undefined)?.id;

export function mountForeignEntity(router: Router, write: WriteContext, spec: ForeignEntitySpec): void {
  const { kind, path, field, target } = spec;
  const targetDao: EntityStore<EntityName> = write.store.daos[target];

  /** The owner (404 when missing), the id it references and the referenced entity, if any. */
  const resolve = async (ctx: Ctx): Promise<{ owner: AnyEntity; id: string | undefined; current: AnyEntity | undefined }> => {
    const owner = await mustFind(write.store, kind, ctx.params[kind]!);
    const id = refId(owner, field);
    return { owner, id, current: id === undefined ? undefined : await targetDao.get(id) };
  };

  router.get(path, async (ctx: Ctx) => {
    const { current } = await resolve(ctx);
    if (!current) throw notFound();
    ctx.body = current;
  });

  if (spec.readOnly) return;

  router.patch(path, async (ctx: Ctx) => {
    const { current } = await resolve(ctx);
    if (!current) throw notFound();
    const entity = await buildEntity(write, target, await readBody(ctx.req), {
      mode: "merge",
      existing: current as unknown as Record<string, unknown>,
    }, undefined);
    ctx.body = await targetDao.update(entity);
  });

  router.put(path, async (ctx: Ctx) => {
    const { owner, current } = await resolve(ctx);
    const body = await readBody(ctx.req);
    if (current) {
      const existing = current as unknown as Record<string, unknown>;
      const entity = await buildEntity(write, target, body, { mode: "replace", existing, urlKey: { field: "id", value: current.id } }, undefined);
      ctx.body = await targetDao.upsert(entity);
      return;
    }
    // Kong: an owner without one gets a new entity, attached to it. Both are validated before
    // either is written (Kong writes the new entity even when attaching it then fails).
    const created = await buildEntity(write, target, body, { mode: "replace", existing: undefined, urlKey: { field: "id", value: randomUUID() } }, undefined);
    const attached = await buildEntity(
      write,
      kind,
      { kind: "json", value: { [field]: { id: created.id } } },
      { mode: "merge", existing: owner as unknown as Record<string, unknown> },
      undefined,
      { schemaOnly: true }, // the reference is to the entity written alongside
    );
    ctx.body = await write.store.transaction(async (tx) => {
      const stored = await (tx.daos[target] as EntityStore<EntityName>).upsert(created);
      await (tx.daos[kind] as EntityStore<EntityName>).update(attached);
      return stored;
    });
  });

  // Deleting through the owner would orphan it: Kong refuses with 405 (404 when there is none).
  router.delete(path, async (ctx: Ctx) => {
    if ((await resolve(ctx)).id === undefined) throw notFound();
    throw new KongError(405, { message: "Method not allowed" });
  });
}

/** Kong 3.x turns `/snis/{snis}/certificate` off (use `/certificates/{sni name}`): 404 whatever the method. */
export function mountDisabled(router: Router, path: string): void {
  router.all(path, () => {
    throw notFound();
  });
}
