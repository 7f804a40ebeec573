import type { PluginDefinition } from "@tether/core";
import { mtlsAuth } from "./mtls-auth/index.ts";
import { openIdConnect } from "./openid-connect/index.ts";
import { tlsHandshakeModifier } from "./tls-handshake-modifier/index.ts";

export { TETHER_VERSION } from "./version.ts";
export type { PluginAdminReply, PluginAdminRoute } from "./admin-routes.ts";
export { CONSUMER_HEADERS, consumerHeaders, authenticateAs, anonymousConsumer, alreadyAuthenticated, type ConsumerIdentity } from "./consumer-headers.ts";

/** The plugins this build serves, by name. */
export const bundledPlugins: ReadonlyMap<string, PluginDefinition> = new Map<string, PluginDefinition>(
  [mtlsAuth, openIdConnect, tlsHandshakeModifier].map((p) => [p.name, p as unknown as PluginDefinition]),
);

/** Admin API endpoints the bundled plugins bring (Kong's plugin `api.lua`); the admin mounts them. */
export { openIdConnectAdminRoutes as pluginAdminRoutes } from "./openid-connect/admin-api.ts";
