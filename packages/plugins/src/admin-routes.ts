/**
 * Admin API endpoints a plugin brings with it (Kong's plugin `api.lua`), framework-free so the
 * plugins package does not depend on the Admin API's web framework: the admin mounts them.
 * The dependency stays one-way: admin → plugins.
 */
export interface PluginAdminReply {
  status: number;
  body?: unknown;
}

export interface PluginAdminRoute {
  method: "GET" | "DELETE";
  /** koa-router path, e.g. `/openid-connect/issuers/:issuer` (params arrive URL-decoded). */
  path: string;
  handle(params: Readonly<Record<string, string>>): PluginAdminReply;
}
