import type { Router } from "@koa/router";
import type { PluginAdminContext, PluginAdminRoute } from "@tether/plugins";
import type { Store } from "@tether/store";

/** Mounts the endpoints plugins bring (e.g. `/openid-connect/issuers`); they answer as given. */
export function mountPluginRoutes(router: Router, routes: readonly PluginAdminRoute[], store: Store): void {
  const context: PluginAdminContext = { plugins: () => store.daos.plugins.all() };
  for (const route of routes) {
    const handler = async (ctx: { params: Record<string, string>; status: number; body: unknown }): Promise<void> => {
      const reply = await route.handle(ctx.params, context);
      ctx.status = reply.status;
      if (reply.body !== undefined) ctx.body = reply.body;
    };
    if (route.method === "GET") router.get(route.path, handler);
    else router.delete(route.path, handler);
  }
}
