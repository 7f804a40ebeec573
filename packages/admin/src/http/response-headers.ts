import type Koa from "koa";

/**
 * Headers Kong's Admin API puts on every answer, errors included: CORS for browser tooling
 * (Kong Manager style UIs), `Server`, and the latency header whose name users' tooling greps
 * for. Outermost, so even a refused token or an unknown path carries them.
 */
export function responseHeadersMiddleware(version: string): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    ctx.set("Access-Control-Allow-Origin", "*");
    ctx.set("Access-Control-Allow-Credentials", "true");
    ctx.set("Server", `tether/${version}`);
    await next();
    ctx.set("X-Kong-Admin-Latency", String(Math.round(performance.now() - started)));
  };
}
