import type { Layer } from "@koa/router";
import type Koa from "koa";
import { KongError, notFound } from "@tether/core";

/** The router layers whose path matched the request, as @koa/router records them on the context. */
interface MatchedContext {
  matched?: Layer[];
}

/**
 * What a path answers, as Kong's `Allow` lists it: its methods (HEAD comes with GET) and OPTIONS,
 * sorted. Only the first route whose path matched counts, as Kong serves a path from one route:
 * `/plugins/enabled` allows GET, not what `/plugins/{plugins}` allows.
 */
export function allowedMethods(matched: readonly Pick<Layer, "path" | "methods">[]): string[] {
  const routes = matched.filter((layer) => layer.methods.length > 0);
  const first = routes[0];
  if (!first) return [];
  const methods = new Set(routes.filter((layer) => layer.path === first.path).flatMap((layer) => layer.methods));
  methods.add("OPTIONS");
  return [...methods].sort();
}

/**
 * A preflight's `Access-Control-Allow-Headers`: the headers the browser asks for, echoed as Kong's
 * cors_filter does. Asked for none, Kong says `Content-Type`; Tether adds `Authorization`, the
 * header its `admin_token` travels in.
 */
export function allowedHeaders(requested: string | undefined): string {
  return requested?.trim() || "Content-Type, Authorization";
}

/**
 * Answers what no route handled (after the router): OPTIONS on a known path is Kong's 204
 * preflight answer, another method there is 405 with `Allow`, and an unknown path is 404.
 */
export function allowedMethodsMiddleware(): Koa.Middleware {
  return (ctx) => {
    const methods = allowedMethods((ctx as Koa.Context & MatchedContext).matched ?? []);
    if (methods.length === 0) throw notFound();
    const allow = methods.join(", ");
    ctx.set("Allow", allow);
    if (ctx.method === "OPTIONS") {
      ctx.set("Access-Control-Allow-Methods", allow);
      ctx.set("Access-Control-Allow-Headers", allowedHeaders(ctx.get("access-control-request-headers")));
      ctx.status = 204;
      return;
    }
    throw new KongError(405, { message: "Method not allowed" });
  };
}
