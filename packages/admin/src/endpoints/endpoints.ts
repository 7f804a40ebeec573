import type { Router } from "@koa/router";

/** A router path in Kong's notation: `/services/:services` is listed as `/services/{services}`. */
export function kongPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

/**
 * Kong's order for /endpoints: byte order with `/` sorting before every other character, so a
 * path's sub-paths follow it directly (`/a`, `/a/z`, `/ab`), as kong/api/routes/kong.lua sorts.
 */
export function compareEndpoints(a: string, b: string): number {
  const key = (path: string): string => path.replaceAll("/", "\u0000");
  const [x, y] = [key(a), key(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The paths a router serves, deduplicated, in Kong's notation and order. */
export function listEndpoints(router: Pick<Router, "stack">): string[] {
  const paths = new Set<string>();
  for (const layer of router.stack)
    if (typeof layer.path === "string" && layer.methods.length > 0) paths.add(kongPath(layer.path));
  return [...paths].sort(compareEndpoints);
}

/** `GET /endpoints`: read from the router when asked, so every route mounted by then is listed. */
export function mountEndpoints(router: Router): void {
  router.get("/endpoints", (ctx) => {
    ctx.body = { data: listEndpoints(router) };
  });
}
