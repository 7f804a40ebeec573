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
import { assertSniNamesFree, replaceSnis, sniNameList, takeSniShorthand, withSniNames } from "../entities/certificate-snis.ts";
import { guardDelete } from "../entities/delete-guards.ts";
import { certificateIdBySni, findEntity, isUuid } from "../entities/lookup.ts";
import { buildEntity, type WriteContext } from "../entities/write.ts";
import { assertNotReferenced } from "./collections.ts";
import { listBody, nextQuery, parseSize } from "./list.ts";

type Ctx = Koa.ParameterizedContext<Koa.DefaultState, Koa.DefaultContext & { params: Record<string, string> }>;

/** What PUT addresses: an id, and the SNI name the URL gave instead of one (Kong's prepare_params). */
function putTarget(write: WriteContext, key: string): { id: string; urlName: string | undefined } {
  if (isUuid(key)) return { id: key.toLowerCase(), urlName: undefined };
  return { id: certificateIdBySni(write.store, key) ?? randomUUID(), urlName: key };
}

export function mountCertificates(router: Router, write: WriteContext): void {
  const { store } = write;
  const dao = store.daos.certificates;
  const present = (certificate: Certificate) => withSniNames(store, certificate);

  router.get("/certificates", (ctx: Ctx) => {
    const size = parseSize(ctx.query["size"]);
    const tags = parseTagFilter(ctx.query["tags"]);
    const offset = typeof ctx.query["offset"] === "string" ? ctx.query["offset"] : undefined;
    const page = dao.list({ size, offset, tags });
    ctx.body = listBody({ ...page, data: page.data.map(present) }, ctx.path, nextQuery(ctx.query));
  });

  router.post("/certificates", async (ctx: Ctx) => {
    const { body, snis } = takeSniShorthand(await readBody(ctx.req));
    ctx.body = store.transaction(() => {
      // Kong's order: the SNI list is judged before the certificate.
      const names = sniNameList(snis ?? []);
      assertSniNamesFree(store, names, undefined);
      const certificate = dao.insert(buildEntity(write, "certificates", body, { mode: "create" }, undefined));
      replaceSnis(write, certificate.id, names);
      return present(certificate);
    });
    ctx.status = 201;
  });

  router.get("/certificates/:certificates", (ctx: Ctx) => {
    const certificate = findEntity(store, "certificates", ctx.params["certificates"]!);
    if (!certificate) throw notFound();
    ctx.body = present(certificate);
  });

  router.put("/certificates/:certificates", async (ctx: Ctx) => {
    const { body, snis } = takeSniShorthand(await readBody(ctx.req));
    ctx.body = store.transaction(() => {
      const { id, urlName } = putTarget(write, ctx.params["certificates"]!);
      // PUT replaces: SNIs not listed go, and a name given as the URL key stays (or is created).
      const listed = snis ?? [];
      const names = sniNameList(urlName === undefined || listed.includes(urlName) ? listed : [...listed, urlName]);
      assertSniNamesFree(store, names, id);
      const existing = dao.get(id) as Record<string, unknown> | undefined;
      const entity = buildEntity(write, "certificates", body, { mode: "replace", existing, urlKey: { field: "id", value: id } }, undefined);
      const certificate = dao.upsert(entity);
      replaceSnis(write, certificate.id, names);
      return present(certificate);
    });
    ctx.status = 200; // Kong answers PUT with 200 whether it created or replaced
  });

  router.patch("/certificates/:certificates", async (ctx: Ctx) => {
    const existing = findEntity(store, "certificates", ctx.params["certificates"]!);
    if (!existing) throw notFound();
    const { body, snis } = takeSniShorthand(await readBody(ctx.req));
    ctx.body = store.transaction(() => {
      const names = snis === undefined ? undefined : sniNameList(snis);
      if (names) assertSniNamesFree(store, names, existing.id);
      const merged = buildEntity(write, "certificates", body, { mode: "merge", existing: existing as unknown as Record<string, unknown> }, undefined);
      const certificate = dao.upsert(merged);
      if (names) replaceSnis(write, certificate.id, names);
      return present(certificate);
    });
  });

  router.delete("/certificates/:certificates", (ctx: Ctx) => {
    const existing = findEntity(store, "certificates", ctx.params["certificates"]!);
    if (existing) {
      store.transaction(() => {
        guardDelete(store, "certificates", existing.id);
        // A service's client_certificate restricts; the SNIs go with the certificate (ON DELETE CASCADE).
        assertNotReferenced(write, "certificates", existing.id);
        dao.delete(existing.id);
      });
    }
    ctx.status = 204; // idempotent for ids, as Kong's; an unknown SNI name was a 404 above
  });
}
