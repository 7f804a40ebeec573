/**
 * `/certificates` and `/certificates/{certificates}` (kong/api/routes/certificates.lua): the generic
 * CRUD plus what Kong adds for certificates. `{certificates}` is an id or one of the certificate's
 * SNI names (unknown name: 404 "SNI not found", except PUT, which creates a certificate with that
 * SNI); the write-only `snis` list creates and replaces the certificate's SNIs in the same
 * transaction as the certificate; every answer carries `snis`.
 */
import { randomUUID } from "node:crypto";
import type { Router } from "@koa/router";
import type Koa from "koa";
import { notFound, type Certificate } from "@tether/core";
import { readBody } from "../http/body.ts";
import { parseTagFilter } from "../http/tag-filter.ts";
import { assertSniNamesFree, deleteSnis, replaceSnis, sniNameList, takeSniShorthand, withSniNames } from "../entities/certificate-snis.ts";
import { guardDelete } from "../entities/delete-guards.ts";
import { certificateIdBySni, findEntity, isUuid } from "../entities/lookup.ts";
import { buildEntity, type WriteContext } from "../entities/write.ts";
import { assertNotReferenced } from "./collections.ts";
import { listBody, nextQuery, parseSize } from "./list.ts";

type Ctx = Koa.ParameterizedContext<Koa.DefaultState, Koa.DefaultContext & { params: Record<string, string> }>;

/** What PUT addresses: an id, and the SNI name the URL gave instead of one (Kong's prepare_params). */
async function putTarget(write: WriteContext, key: string): Promise<{ id: string; urlName: string | undefined }> {
  if (isUuid(key)) return { id: key.toLowerCase(), urlName: undefined };
  return { id: (await certificateIdBySni(write.store, key)) ?? randomUUID(), urlName: key };
}

export function mountCertificates(router: Router, base: WriteContext): void {
  const { store } = base;
  const dao = store.daos.certificates;
  /** Runs `fn` in one transaction, with a write context bound to it. */
  const inTransaction = <T>(fn: (write: WriteContext) => Promise<T>): Promise<T> =>
    store.transaction((tx) => fn({ ...base, store: tx }));

  router.get("/certificates", async (ctx: Ctx) => {
    const size = parseSize(ctx.query["size"]);
    const tags = parseTagFilter(ctx.query["tags"]);
    const offset = typeof ctx.query["offset"] === "string" ? ctx.query["offset"] : undefined;
    const page = await dao.list({ size, offset, tags });
    const data = [];
    for (const certificate of page.data) data.push(await withSniNames(store, certificate));
    ctx.body = listBody({ ...page, data }, ctx.path, nextQuery(ctx.query));
  });

  router.post("/certificates", async (ctx: Ctx) => {
    const { body, snis } = takeSniShorthand(await readBody(ctx.req));
    ctx.body = await inTransaction(async (write) => {
      // Kong's order: the SNI list is judged before the certificate.
      const names = sniNameList(snis ?? []);
      await assertSniNamesFree(write.store, names, undefined);
      const entity = await buildEntity(write, "certificates", body, { mode: "create" }, undefined);
      const certificate = await write.store.daos.certificates.insert(entity);
      await replaceSnis(write, certificate.id, names);
      return withSniNames(write.store, certificate);
    });
    ctx.status = 201;
  });

  router.get("/certificates/:certificates", async (ctx: Ctx) => {
    const certificate = await findEntity(store, "certificates", ctx.params["certificates"]!);
    if (!certificate) throw notFound();
    ctx.body = await withSniNames(store, certificate);
  });

  router.put("/certificates/:certificates", async (ctx: Ctx) => {
    const { body, snis } = takeSniShorthand(await readBody(ctx.req));
    const key = ctx.params["certificates"]!;
    ctx.body = await inTransaction(async (write) => {
      const { id, urlName } = await putTarget(write, key);
      // PUT replaces: SNIs not listed go, and a name given as the URL key stays (or is created).
      const listed = snis ?? [];
      const names = sniNameList(urlName === undefined || listed.includes(urlName) ? listed : [...listed, urlName]);
      await assertSniNamesFree(write.store, names, id);
      const existing = (await write.store.daos.certificates.get(id)) as Record<string, unknown> | undefined;
      const entity = await buildEntity(write, "certificates", body, { mode: "replace", existing, urlKey: { field: "id", value: id } }, undefined);
      const certificate = await write.store.daos.certificates.upsert(entity);
      await replaceSnis(write, certificate.id, names);
      return withSniNames(write.store, certificate);
    });
    ctx.status = 200; // Kong answers PUT with 200 whether it created or replaced
  });

  router.patch("/certificates/:certificates", async (ctx: Ctx) => {
    const existing = await findEntity(store, "certificates", ctx.params["certificates"]!);
    if (!existing) throw notFound();
    const { body, snis } = takeSniShorthand(await readBody(ctx.req));
    ctx.body = await inTransaction(async (write) => {
      const names = snis === undefined ? undefined : sniNameList(snis);
      if (names) await assertSniNamesFree(write.store, names, existing.id);
      const merged = await buildEntity(write, "certificates", body, { mode: "merge", existing: existing as unknown as Record<string, unknown> }, undefined);
      const certificate = await write.store.daos.certificates.update(merged);
      if (names) await replaceSnis(write, certificate.id, names);
      return withSniNames(write.store, certificate);
    });
  });

  router.delete("/certificates/:certificates", async (ctx: Ctx) => {
    const existing = await findEntity(store, "certificates", ctx.params["certificates"]!);
    if (existing) {
      await inTransaction(async (write) => {
        await guardDelete(write.store, "certificates", existing.id);
        // A service's client_certificate restricts; then the SNIs go, then the certificate (Kong's order).
        await assertNotReferenced(write, "certificates", existing.id);
        await deleteSnis(write.store, existing.id);
        await write.store.daos.certificates.delete(existing.id);
      });
    }
    ctx.status = 204; // idempotent for ids, as Kong's; an unknown SNI name was a 404 above
  });
}
