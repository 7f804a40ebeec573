import type { Router } from "@koa/router";
import type { PluginAdminRoute } from "@tether/plugins";

/** Mounts the endpoints plugins bring (e.g. `/openid-connect/issuers`); they answer as given. */
export function mountPluginRoutes(router: Router, routes: readonly PluginAdminRoute[]): void {
  for (const route of routes) {
    const handler = (ctx: { params: Record<string, string>; status: number; body: unknown }): void => {
      const reply = route.handle(ctx.params);
      ctx.status = reply.status;
      if (reply.body !== undefined) ctx.body = reply.body;
    };
    if (route.method === "GET") router.get(route.path, handler);
    else router.delete(route.path, handler);
  }
}
