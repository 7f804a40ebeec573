import type { Router } from "@koa/router";
import { notFound } from "@tether/core";
import { parseTagFilter } from "../http/tag-filter.ts";
import { parseSize } from "./list.ts";

/**
 * Kong collections Tether does not have yet (issue 13 adds them), with Kong's path parameter
 * names. Kong Manager has a page for each and lists it on open. (`/upstreams` is served:
 * upstream-targets.ts; `/vaults` is a collection, app.ts.)
 */
const PENDING = [
  { path: "/keys", param: "keys" },
  { path: "/key-sets", param: "key_sets" },
] as const;

/**
 * Each answers as Kong's empty collection: the list is `{"data": [], "next": null}` (its `size`
 * and `tags` still checked as Kong checks them), an item is 404, and a write is Kong's 405 "Method
 * not allowed" (allowed-methods.ts, from the GET-only routes): nothing can be stored that the
 * gateway would not enforce.
 */
export function mountPendingEntities(router: Router): void {
  for (const { path, param } of PENDING) {
    router.get(path, (ctx) => {
      parseSize(ctx.query["size"]);
      parseTagFilter(ctx.query["tags"]);
      ctx.body = { data: [], next: null };
    });
    router.get(`${path}/:${param}`, () => {
      throw notFound();
    });
  }
}
