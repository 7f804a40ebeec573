import type { Router } from "@koa/router";
import type { StoreSession } from "@tether/store";

/**
 * Kong's `GET /consumers?custom_id=<x>` (kong/api/routes/consumers.lua): a lookup by the unique
 * `custom_id` answered as a one-page list, `{"data":[…],"next":null}`. Without the argument the
 * request goes on to the generic collection.
 */
export function mountConsumerSearch(router: Router, store: StoreSession): void {
  router.get("/consumers", async (ctx, next) => {
    const raw = ctx.query["custom_id"];
    if (raw === undefined) return next();
    const customId = Array.isArray(raw) ? raw[raw.length - 1]! : raw;
    const consumer = await store.daos.consumers.getBy("custom_id", customId);
    ctx.body = { data: consumer ? [consumer] : [], next: null };
    return undefined;
  });
}
