import type Koa from "koa";
import { KongError, UNEXPECTED_ERROR_MESSAGE, type Logger } from "@tether/core";

/** Kong errors answer as they are; anything else is a 500 whose cause goes to the log, never the body. */
export function errorMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // A handler that answered nothing (405 and unknown paths are http/allowed-methods.ts's).
      if ((ctx.body === undefined || ctx.body === null) && ctx.status === 404) throw new KongError(404, { message: "Not found" });
    } catch (error) {
      if (error instanceof KongError) {
        ctx.status = error.status;
        ctx.body = Object.keys(error.body).length ? error.body : "";
        return;
      }
      log.error("admin request failed", { method: ctx.method, path: ctx.path, error: String((error as Error)?.stack ?? error) });
      ctx.status = 500;
      ctx.body = { message: UNEXPECTED_ERROR_MESSAGE };
    }
  };
}
