import type Koa from "koa";

/**
 * Headers Kong's Admin API puts on every answer, errors included: `Server`, and the latency
 * header whose name users' tooling greps for (CORS: cors.ts). Outermost, so even a refused token
 * or an unknown path carries them.
 */
export function responseHeadersMiddleware(version: string): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    ctx.set("Server", `tether/${version}`);
    await next();
    ctx.set("X-Kong-Admin-Latency", String(Math.round(performance.now() - started)));
  };
}
