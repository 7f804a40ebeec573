import type { PluginDefinition } from "@tether/core";
import { fileLog } from "./file-log/index.ts";
import { httpLog } from "./http-log/index.ts";
import { mtlsAuth } from "./mtls-auth/index.ts";
import { openIdConnect } from "./openid-connect/index.ts";
import { prometheus } from "./prometheus/index.ts";
import { tlsHandshakeModifier } from "./tls-handshake-modifier/index.ts";
import { tlsMetadataHeaders } from "./tls-metadata-headers/index.ts";

export { TETHER_VERSION } from "./version.ts";
export type { PluginAdminContext, PluginAdminReply, PluginAdminRoute } from "./admin-routes.ts";
export { CONSUMER_HEADERS, consumerHeaders, authenticateAs, anonymousConsumer, alreadyAuthenticated, type ConsumerIdentity } from "./consumer-headers.ts";

/** The plugins this build serves, by name. */
export const bundledPlugins: ReadonlyMap<string, PluginDefinition> = new Map<string, PluginDefinition>(
  [fileLog, httpLog, mtlsAuth, openIdConnect, prometheus, tlsHandshakeModifier, tlsMetadataHeaders].map((p) => [p.name, p as unknown as PluginDefinition]),
);

// Kong's prometheus exporter beyond the plugin: the node gauges and `/metrics` (single process or cluster).
export { registerNodeMetrics, type NodeSources } from "./prometheus/node.ts";
export { METRICS_CONTENT_TYPE, answerClusterScrapes, clusterMetrics, processMetrics } from "./prometheus/exposition.ts";

// The log plugins' outputs beyond the plugins: the access log appends through the same writer; shutdown drains both.
export { fileAppender, type FileAppender } from "./logging/file-appender.ts";
export { drainLogs } from "./logging/drain.ts";

/** Admin API endpoints the bundled plugins bring (Kong's plugin `api.lua`); the admin mounts them. */
export { openIdConnectAdminRoutes as pluginAdminRoutes } from "./openid-connect/admin-api.ts";
