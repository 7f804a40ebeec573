import type Koa from "koa";
import { KongError, type Logger } from "@tether/core";

/** Kong errors answer as they are; anything else is a 500 whose cause goes to the log, never the body. */
export function errorMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new KongError(404, { message: "Not found" });
        // The router's allowedMethods answers a known path with 405 (501 for a method it does not
        // know at all) and the Allow header only; Kong says 405 with a body either way.
        if (ctx.status === 405 || ctx.status === 501) {
          ctx.status = 405;
          ctx.body = { message: "Method not allowed" };
        }
      }
    } catch (error) {
      if (error instanceof KongError) {
        ctx.status = error.status;
        ctx.body = Object.keys(error.body).length ? error.body : "";
        return;
      }
      log.error("admin request failed", { method: ctx.method, path: ctx.path, error: String((error as Error)?.stack ?? error) });
      ctx.status = 500;
      ctx.body = { message: "An unexpected error occurred" };
    }
  };
}
