import Koa from "koa";
import type { GuiBundle } from "./bundle.ts";
import { adminApiUrl, type AdminEndpoint } from "./admin-url.ts";
import { originOf, securityHeaders } from "./headers.ts";
import { FAVICON, indexPage } from "./page.ts";
import type { GuiConfig } from "../browser/gui-config.ts";

export interface GuiOptions {
  bundle: GuiBundle;
  version: string;
  /** Kong's admin_gui_api_url, when set. */
  adminGuiApiUrl?: string | undefined;
  /** The Admin API's first listener (none when admin_listen is off). */
  admin: () => AdminEndpoint | undefined;
}

/**
 * Tether's own GUI on `admin_gui_listen`: one page, its script and stylesheet, and the config
 * JSON naming the Admin API. Navigation is in the URL's fragment, so every other path is 404.
 */
export function createGuiApp(options: GuiOptions): Koa {
  const app = new Koa();
  const page = indexPage(options.version);
  app.use(async (ctx, next) => {
    const api = adminApiUrl(options.adminGuiApiUrl, ctx.get("host"), options.admin());
    ctx.set(securityHeaders(api && originOf(api)));
    ctx.state["adminApiUrl"] = api;
    await next();
  });
  const files: Record<string, (ctx: Koa.Context) => void> = {
    "/": (ctx) => ((ctx.type = "html"), (ctx.body = page)),
    "/app.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = options.bundle.js)),
    "/app.css": (ctx) => ((ctx.type = "text/css"), (ctx.body = options.bundle.css)),
    "/favicon.svg": (ctx) => ((ctx.type = "image/svg+xml"), (ctx.body = FAVICON)),
    "/config.json": (ctx) => {
      const config: GuiConfig = { adminApiUrl: (ctx.state["adminApiUrl"] as string | undefined) ?? null, version: options.version };
      ctx.body = config;
    },
  };
  app.use((ctx) => {
    const serve = files[ctx.path];
    if (!serve || (ctx.method !== "GET" && ctx.method !== "HEAD")) {
      ctx.status = serve ? 405 : 404;
      ctx.body = { message: serve ? "Method not allowed" : "Not found" };
      return;
    }
    serve(ctx);
  });
  return app;
}
