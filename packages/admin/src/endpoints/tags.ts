import type { Router } from "@koa/router";
import type { StoreSession } from "@tether/store";
import { escapeUri, listBody, nextQuery, parseSize } from "./list.ts";

/**
 * `GET /tags` and `GET /tags/{tags}`: every tag with the entity carrying it, across all entity
 * kinds, paged like any list. `/tags` is Kong's generated collection (its `next` keeps `size`),
 * `/tags/{tags}` its hand-written one (kong/api/routes/tags.lua: `next` has the offset only).
 */
export function mountTags(router: Router, store: StoreSession): void {
  router.get("/tags", async (ctx) => {
    const size = parseSize(ctx.query["size"]);
    const page = await store.tags({ size, offset: offsetOf(ctx.query["offset"]) });
    ctx.body = listBody(page, "/tags", nextQuery(ctx.query));
  });

  router.get("/tags/:tags", async (ctx) => {
    const tag = ctx.params["tags"]!;
    const size = parseSize(ctx.query["size"]);
    const page = await store.tags({ size, offset: offsetOf(ctx.query["offset"]), tag });
    ctx.body = listBody(page, `/tags/${escapeUri(tag)}`);
  });
}

const offsetOf = (raw: string | string[] | undefined): string | undefined => (typeof raw === "string" ? raw : undefined);
