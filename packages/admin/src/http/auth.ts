import { createHash, timingSafeEqual } from "node:crypto";
import type Koa from "koa";

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/**
 * Optional shared-token protection of the Admin API; compared in constant time over digests.
 * OPTIONS is answered without it: a CORS preflight cannot carry credentials, and the answer
 * (the allowed methods) tells nothing the Admin API's documentation does not.
 */
export function adminTokenMiddleware(token: string | undefined): Koa.Middleware {
  if (!token) return (_ctx, next) => next();
  const expected = digest(token);
  return async (ctx, next) => {
    if (ctx.method === "OPTIONS") return next();
    const header = ctx.get("authorization");
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? "";
    if (!timingSafeEqual(digest(presented), expected)) {
      ctx.status = 401;
      ctx.set("WWW-Authenticate", 'Bearer realm="tether-admin"');
      ctx.body = { message: "Unauthorized" };
      return;
    }
    await next();
  };
}
