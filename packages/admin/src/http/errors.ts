import type Koa from "koa";
import { KongError, type Logger } from "@tether/core";

/** Kong errors answer as they are; anything else is a 500 whose cause goes to the log, never the body. */
export function errorMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new KongError(404, { message: "Not found" });
    } catch (error) {
      if (error instanceof KongError) {
        ctx.status = error.status;
        ctx.body = Object.keys(error.body).length ? error.body : "";
        if (error.status === 405) ctx.set("Allow", ctx.response.get("Allow"));
        return;
      }
      log.error("admin request failed", { method: ctx.method, path: ctx.path, error: String((error as Error)?.stack ?? error) });
      ctx.status = 500;
      ctx.body = { message: "An unexpected error occurred" };
    }
  };
}
