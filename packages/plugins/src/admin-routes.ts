/**
 * Admin API endpoints a plugin brings with it (Kong's plugin `api.lua`), framework-free so the
 * plugins package does not depend on the Admin API's web framework: the admin mounts them.
 * The dependency stays one-way: admin → plugins.
 */
import type { PluginInstance } from "@tether/core";

export interface PluginAdminReply {
  status: number;
  body?: unknown;
}

/** What the endpoints may read of the stored configuration (the store, not a node's snapshot). */
export interface PluginAdminContext {
  /** Every stored plugin instance. */
  plugins(): Promise<readonly PluginInstance[]>;
}

export interface PluginAdminRoute {
  method: "GET" | "DELETE";
  /** koa-router path, e.g. `/openid-connect/issuers/:issuer` (params arrive URL-decoded). */
  path: string;
  handle(params: Readonly<Record<string, string>>, context: PluginAdminContext): PluginAdminReply | Promise<PluginAdminReply>;
}
